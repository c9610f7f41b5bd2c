/**
 * The ng commands Switchboard uses: the dictionaries sent (keys as rtpengine spells them)
 * and the replies' shapes, as rtpengine 10.5 accepts and returns them.
 */
import type { BencodeInput } from './bencode.js';
import { NgProtocolError } from './errors.js';
import { isTextDict, type NgText, type NgTextDict, textOf } from './text.js';

type Params = Record<string, BencodeInput | undefined>;

interface Common {
  callId: string;
  /** ng flags, e.g. ['trust-address'], ['all', 'siprec']. */
  flags?: string[];
  /** Any other ng keys, sent as given (e.g. `{ 'ICE': 'remove' }`). */
  extra?: Params;
}

export interface OfferParams extends Common {
  fromTag: string;
  sdp: string;
  /** e.g. ['origin', 'session-connection']. */
  replace?: string[];
}

export interface AnswerParams extends OfferParams {
  toTag: string;
}

export interface OfferReply {
  /** The SDP rewritten by rtpengine, to pass on. */
  sdp: string;
  response: NgTextDict;
}

export interface DeleteParams extends Common {
  fromTag?: string;
  toTag?: string;
}

export interface QueryParams extends Common {
  fromTag?: string;
}

export interface SubscribeRequestParams extends Common {
  /** One leg by its tag (`from-tag`). */
  fromTag?: string;
  /** Several legs by tag (`from-tags`); with neither, pass flags ['all']. */
  fromTags?: string[];
}

/** One media section of a subscribed leg, from `tag-medias` (flag `siprec`). */
export interface SubscribedMedia {
  /** 1-based m= index within the original leg. */
  index: number;
  /** The a=label value in the subscription SDP. */
  label?: string;
  type: string;
  mode: string;
}

export interface TagMedias {
  /** The from-tag of the leg whose SENT media this is. */
  tag: string;
  medias: SubscribedMedia[];
}

/** `media-labels` entry: which leg (tag) and m= index a label stands for. */
export interface MediaLabel {
  tag: string;
  index: number;
  type: string;
  mode: string;
}

export interface SubscribeRequestReply {
  /** sendonly SDP, one m= per subscribed stream (with a=label when flag `siprec` is set). */
  sdp: string;
  /** The subscription's tag: pass it to subscribeAnswer/unsubscribe. */
  toTag: string;
  /** Echoed single from-tag, when one was asked for. */
  fromTag?: string;
  fromTags?: string[];
  /** Only with flag `siprec`. */
  tagMedias?: TagMedias[];
  /** label → leg; only with flag `siprec`. */
  mediaLabels?: Record<string, MediaLabel>;
  response: NgTextDict;
}

export interface SubscribeAnswerParams extends Common {
  toTag: string;
  sdp: string;
}

export interface UnsubscribeParams extends Common {
  toTag: string;
}

function common(p: Common): Params {
  return { ...p.extra, 'call-id': p.callId, flags: p.flags };
}

export function offerParams(p: OfferParams): Params {
  return { ...common(p), 'from-tag': p.fromTag, sdp: p.sdp, replace: p.replace };
}

export function answerParams(p: AnswerParams): Params {
  return { ...offerParams(p), 'to-tag': p.toTag };
}

export function deleteParams(p: DeleteParams): Params {
  return { ...common(p), 'from-tag': p.fromTag, 'to-tag': p.toTag };
}

export function queryParams(p: QueryParams): Params {
  return { ...common(p), 'from-tag': p.fromTag };
}

export function subscribeRequestParams(p: SubscribeRequestParams): Params {
  return { ...common(p), 'from-tag': p.fromTag, 'from-tags': p.fromTags };
}

export function subscribeAnswerParams(p: SubscribeAnswerParams): Params {
  return { ...common(p), 'to-tag': p.toTag, sdp: p.sdp };
}

export function unsubscribeParams(p: UnsubscribeParams): Params {
  return { ...common(p), 'to-tag': p.toTag };
}

function requireText(command: string, reply: NgTextDict, key: string): string {
  const value = textOf(reply[key]);
  if (value === undefined) throw new NgProtocolError(command, `no "${key}" string`);
  return value;
}

function numberOf(value: NgText | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}

export function parseOfferReply(command: string, reply: NgTextDict): OfferReply {
  return { sdp: requireText(command, reply, 'sdp'), response: reply };
}

export function parseSubscribeRequestReply(reply: NgTextDict): SubscribeRequestReply {
  const command = 'subscribe request';
  const out: SubscribeRequestReply = {
    sdp: requireText(command, reply, 'sdp'),
    toTag: requireText(command, reply, 'to-tag'),
    response: reply,
  };
  const fromTag = textOf(reply['from-tag']);
  if (fromTag !== undefined) out.fromTag = fromTag;
  const fromTags = reply['from-tags'];
  if (Array.isArray(fromTags)) out.fromTags = fromTags.filter((t): t is string => typeof t === 'string');
  const tagMedias = reply['tag-medias'];
  if (Array.isArray(tagMedias)) {
    out.tagMedias = tagMedias.filter(isTextDict).map((entry) => ({
      tag: textOf(entry['tag']) ?? '',
      medias: (Array.isArray(entry['medias']) ? entry['medias'] : []).filter(isTextDict).map((m) => {
        const media: SubscribedMedia = {
          index: numberOf(m['index']),
          type: textOf(m['type']) ?? '',
          mode: textOf(m['mode']) ?? '',
        };
        const label = textOf(m['label']);
        if (label !== undefined) media.label = label;
        return media;
      }),
    }));
  }
  const mediaLabels = reply['media-labels'];
  if (isTextDict(mediaLabels)) {
    const labels: Record<string, MediaLabel> = {};
    for (const [label, entry] of Object.entries(mediaLabels)) {
      if (!isTextDict(entry)) continue;
      labels[label] = {
        tag: textOf(entry['tag']) ?? '',
        index: numberOf(entry['index']),
        type: textOf(entry['type']) ?? '',
        mode: textOf(entry['mode']) ?? '',
      };
    }
    out.mediaLabels = labels;
  }
  return out;
}
