import type { FastifyInstance } from 'fastify';
import type {
  RecordingFileKind,
  RecordingListFilter,
  RecordingService,
  RecordingStatus,
  StartRecordingRequest,
} from '../../recording/types.js';
import { SECURITY_REQUIREMENT } from '../auth.js';
import { ApiError } from '../errors.js';
import { audioQuerySchema, errorResponses, idParamsSchema, listQuerySchema, ref } from '../schemas.js';
import { sendFile } from '../send-file.js';

const BINARY = { schema: { type: 'string', format: 'binary' } };
const AUDIO_CONTENT = { 'audio/wav': BINARY, 'application/vnd.tcpdump.pcap': BINARY };

interface IdParams {
  id: string;
}

const DEFAULT_CONTENT_TYPES: Record<RecordingFileKind, string> = {
  mixed: 'audio/wav',
  'leg-wav': 'audio/wav',
  'leg-pcap': 'application/vnd.tcpdump.pcap',
  metadata: 'application/json',
};

/** /v1/recordings: a thin layer over the RecordingService; its RecordingErrors become statuses. */
export function recordingRoutes(recordings: RecordingService) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ['recordings'];
    const security = SECURITY_REQUIREMENT;
    const summary200 = { 200: ref('RecordingSummary') };

    async function mustGet(id: string) {
      const recording = await recordings.get(id);
      if (!recording) throw new ApiError(404, 'not-found', `no recording ${id}`);
      return recording;
    }

    app.post<{ Body: StartRecordingRequest }>(
      '/recordings',
      {
        schema: {
          tags,
          security,
          summary: 'Start recording a call through its media server',
          body: ref('StartRecordingRequest'),
          response: { 201: ref('RecordingSummary'), ...errorResponses(400, 401, 404, 409, 502, 503) },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (body.store === false && !body.streamUrl) {
          throw new ApiError(400, 'invalid', 'body/streamUrl is required when store is false', 'streamUrl');
        }
        const started = await recordings.start(body);
        reply.code(201).header('Location', `/v1/recordings/${encodeURIComponent(started.id)}`);
        return started;
      },
    );

    app.get<{ Querystring: { status?: RecordingStatus; callId?: string; limit: number; offset: number } }>(
      '/recordings',
      {
        schema: {
          tags,
          security,
          summary: 'List recordings, filtered and paged',
          querystring: listQuerySchema,
          response: {
            200: { type: 'array', items: ref('RecordingSummary') },
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const { status, callId, limit, offset } = request.query;
        const filter: RecordingListFilter = { limit, offset };
        if (status) filter.status = status;
        if (callId) filter.callId = callId;
        return recordings.list(filter);
      },
    );

    app.get<{ Params: IdParams }>(
      '/recordings/:id',
      {
        schema: {
          tags,
          security,
          summary: 'One recording',
          params: idParamsSchema,
          response: { ...summary200, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => mustGet(request.params.id),
    );

    const transitions = [
      ['stop', 'Stop a recording; its files are finished and kept', (id: string) => recordings.stop(id)],
      ['pause', 'Pause a recording; packets are dropped until resumed', (id: string) => recordings.pause(id)],
      ['resume', 'Resume a paused recording', (id: string) => recordings.resume(id)],
    ] as const;
    for (const [action, summary, run] of transitions) {
      app.post<{ Params: IdParams }>(
        `/recordings/:id/${action}`,
        {
          schema: {
            tags,
            security,
            summary,
            params: idParamsSchema,
            response: { ...summary200, ...errorResponses(400, 401, 404, 409, 502, 503) },
          },
        },
        async (request) => run(request.params.id),
      );
    }

    app.get<{ Params: IdParams }>(
      '/recordings/:id/metadata',
      {
        schema: {
          tags,
          security,
          summary: 'The metadata document: participants, streams, codecs, times, statistics',
          params: idParamsSchema,
          response: {
            200: { type: 'object', additionalProperties: true },
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => {
        const metadata = await recordings.metadata(request.params.id);
        if (!metadata) throw new ApiError(404, 'not-found', `no recording ${request.params.id}`);
        return metadata;
      },
    );

    app.get<{ Params: IdParams; Querystring: { leg?: number; format: 'wav' | 'pcap' } }>(
      '/recordings/:id/audio',
      {
        schema: {
          tags,
          security,
          summary:
            'Download the audio: the two-channel WAV, or one leg as WAV or pcap; Range requests supported',
          params: idParamsSchema,
          querystring: audioQuerySchema,
          response: {
            200: { description: 'The whole file.', content: AUDIO_CONTENT },
            206: {
              description: 'The requested byte range (Content-Range says which).',
              content: AUDIO_CONTENT,
            },
            ...errorResponses(400, 401, 404, 416),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const { leg, format } = request.query;
        if (format === 'pcap' && leg === undefined) {
          throw new ApiError(400, 'invalid', 'query/leg is required with format=pcap', 'leg');
        }
        const kind: RecordingFileKind =
          leg === undefined ? 'mixed' : format === 'pcap' ? 'leg-pcap' : 'leg-wav';
        const file = await recordings.file(id, kind, leg);
        if (!file) {
          await mustGet(id);
          const what = leg === undefined ? 'mixed audio' : `${format} of leg ${leg}`;
          throw new ApiError(404, 'not-found', `recording ${id} has no ${what}`);
        }
        const filename = leg === undefined ? `${id}.wav` : `${id}-leg${leg}.${format}`;
        const contentType = file.contentType || DEFAULT_CONTENT_TYPES[kind];
        return sendFile(request, reply, { path: file.path, contentType, filename });
      },
    );

    app.delete<{ Params: IdParams }>(
      '/recordings/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Delete a recording and its files',
          params: idParamsSchema,
          response: {
            204: { description: 'Deleted.', type: 'null' },
            ...errorResponses(400, 401, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const deleted = await recordings.delete(request.params.id);
        if (!deleted) throw new ApiError(404, 'not-found', `no recording ${request.params.id}`);
        return reply.code(204).send();
      },
    );
  };
}
