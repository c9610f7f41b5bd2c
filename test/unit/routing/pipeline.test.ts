import { describe, expect, it } from 'vitest';
import {
  CONTINUE,
  type FailureStage,
  forward,
  type RequestStage,
  requestStages,
  respond,
} from '../../../src/routing/index.js';
import { runFailureStages, runStages } from '../../../src/routing/run-stages.js';
import { createResponse, parseUri } from '../../../src/sip/message/index.js';
import { FakeStack, invite } from '../proxy/fakes.js';
import { context, options, RecordingRole, routes, services } from './harness.js';

const stage = (name: string, decide: RequestStage['decide']): RequestStage => ({ name, decide });

describe('the routing pipeline', () => {
  it('runs the stages in the order of RFC 3261 §16.3–16.6; the subscriber stages only where they can run', async () => {
    const base = { stack: new FakeStack(), options, routes: routes(), node: new RecordingRole() };
    expect(requestStages(base).map((s) => s.name)).toEqual([
      'validate',
      'in-dialog',
      'local',
      'static-routing',
    ]);
    expect(requestStages({ ...base, subscribers: await services() }).map((s) => s.name)).toEqual([
      'validate',
      'in-dialog',
      'local',
      'authenticate',
      'callee-lookup',
      'static-routing',
    ]);
  });

  it('stops at the first stage that decides, synchronously when every stage is', () => {
    const seen: string[] = [];
    const answer = respond(createResponse(invite(), 404));
    const stages = [
      stage('a', () => {
        seen.push('a');
        return CONTINUE;
      }),
      stage('b', () => {
        seen.push('b');
        return answer;
      }),
      stage('c', () => {
        seen.push('c');
        return CONTINUE;
      }),
    ];
    expect(runStages(stages, invite(), context())).toBe(answer);
    expect(seen).toEqual(['a', 'b']);
  });

  it('goes on after an asynchronous stage, and stops when a CANCEL arrived meanwhile', async () => {
    const answer = respond(createResponse(invite(), 480));
    const stages = [stage('slow', async () => CONTINUE), stage('last', () => answer)];
    const pending = runStages(stages, invite(), context());
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(answer);
    const cancelled = context();
    const stopped = runStages(stages, invite(), cancelled);
    cancelled.cancelled = true;
    expect(await stopped).toBe(CONTINUE);
  });

  it('takes the targets of the first failure stage that forwards', async () => {
    const target = { uri: parseUri('sip:voicemail@192.0.2.40') };
    const onBusy: FailureStage = {
      name: 'forward-on-busy',
      decide: async (_r, best) => (best.status === 486 ? forward([target]) : CONTINUE),
    };
    const never: FailureStage = { name: 'never', decide: () => CONTINUE };
    const busy = createResponse(invite(), 486);
    expect(await runFailureStages([never, onBusy], invite(), busy, context())).toEqual([target]);
    expect(runFailureStages([never], invite(), busy, context())).toBeUndefined();
  });
});
