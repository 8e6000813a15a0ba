import { AirlockError } from '../errors/airlock-error.js';
import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { MaskingFinding } from '../recording/recording-event.js';
import { builtinDetectors } from './detectors/builtin-detectors.js';
import { customDetector } from './detectors/custom-detector.js';
import type { Detector } from './detectors/detector.js';
import { formatFindingPath } from './finding-path.js';
import { applySpans, findSpans, maskText, type Replacer } from './mask-text.js';
import type { InjectedSecret, MaskedValue, Masker, MaskingPolicy, MaskOptions } from './masking-policy.js';

/** No detector can match fewer characters than this (`a@b.co`), and injected values are longer. */
const MIN_MASKABLE_LENGTH = 6;
/** Injected values shorter than this are not masked: they would match ordinary text. */
const MIN_INJECTED_LENGTH = 8;
/** Characters a slice shares with the next, so a value across a slice boundary is still found whole. */
const SLICE_OVERLAP = 8192;

/**
 * Protocol fields a masked message must keep as they are to stay valid JSON-RPC and MCP: the
 * envelope (`jsonrpc`, `id`, `method`) and opaque identifiers the client sends back (progress
 * tokens, cursors, request, task and subscription ids). `blob` is base64 binary content: no
 * detector can see into it, and a replacement would corrupt it.
 */
const ENVELOPE_KEYS = new Set(['jsonrpc', 'id', 'method']);
const OPAQUE_KEYS = new Set([
  'progressToken',
  'cursor',
  'nextCursor',
  'requestId',
  'taskId',
  'subscriptionId',
  'blob',
]);

interface WalkState {
  readonly findings: Map<string, { type: string; path: string; count: number }>;
  readonly segments: (string | number)[];
}

interface AsyncControl {
  readonly sliceChars: number;
  readonly yieldEvery: () => Promise<void>;
  sinceYield: number;
}

function record(state: WalkState, counts: ReadonlyMap<string, number>): void {
  const path = formatFindingPath(state.segments);
  for (const [type, count] of counts) {
    const key = `${type}\u0000${path}`;
    const existing = state.findings.get(key);
    if (existing) existing.count += count;
    else state.findings.set(key, { type, path, count });
  }
}

function findingsOf(state: WalkState): MaskingFinding[] {
  return [...state.findings.values()];
}

/**
 * Compiles a masking policy once; the result masks any number of messages. Asynchronous because
 * a detector's module may load on first use (the phone detector's parser); rejects when the
 * policy cannot run (a custom pattern the engine refuses, the hash style without a key).
 */
export async function compileMasker(policy: MaskingPolicy, options: MaskOptions = {}): Promise<Masker> {
  if (policy.replacement.style === 'hash' && options.keyedHash === undefined) {
    throw new AirlockError(
      'config_invalid',
      'Masking with replacement style "hash" needs the agent\'s hash key; set agent.masking.hashKeyFile or let the agent generate one.',
    );
  }
  const custom = policy.custom.map((config) => customDetector(config));
  const detectors: Detector[] = [...(await builtinDetectors(policy.detectors)), ...custom];
  const injected: InjectedSecret[] = (options.injected ?? []).filter(
    (s) => s.value.length >= MIN_INJECTED_LENGTH,
  );
  const replacer: Replacer = { replacement: policy.replacement, keyedHash: options.keyedHash };
  const nothingToFind = detectors.length === 0 && injected.length === 0;

  const maskString = (text: string, state: WalkState): string => {
    if (text.length < MIN_MASKABLE_LENGTH) return text;
    const masked = maskText(text, detectors, injected, replacer);
    if (masked === undefined) return text;
    record(state, masked.counts);
    return masked.text;
  };

  const walk = (value: unknown, state: WalkState, skip: ReadonlySet<string> | undefined): unknown => {
    if (typeof value === 'string') return maskString(value, state);
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        state.segments.push(i);
        const item: unknown = value[i];
        const masked = walk(item, state, undefined);
        state.segments.pop();
        if (masked !== item) (copy ??= value.slice())[i] = masked;
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      if (OPAQUE_KEYS.has(key) || skip?.has(key)) continue;
      const item = (value as Record<string, unknown>)[key];
      state.segments.push(key);
      const masked = walk(item, state, undefined);
      state.segments.pop();
      if (masked !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = masked;
    }
    return copy ?? value;
  };

  const maskLargeString = async (text: string, state: WalkState, control: AsyncControl): Promise<string> => {
    let out = '';
    let copiedTo = 0;
    const counts = new Map<string, number>();
    for (let from = 0; from < text.length; from += control.sliceChars) {
      const to = Math.min(text.length, from + control.sliceChars);
      const windowStart = Math.max(copiedTo, from);
      const window = text.slice(windowStart, Math.min(text.length, to + SLICE_OVERLAP));
      // Keep only finds that start in this slice; one that runs past it moves the next start.
      const spans = findSpans(window, detectors, injected).filter((s) => s.start + windowStart < to);
      if (spans.length > 0) {
        const last = spans[spans.length - 1]!;
        const masked = applySpans(window.slice(0, last.end), spans, replacer);
        out += text.slice(copiedTo, windowStart) + masked.text;
        copiedTo = windowStart + last.end;
        for (const [type, count] of masked.counts) counts.set(type, (counts.get(type) ?? 0) + count);
      }
      await control.yieldEvery();
    }
    if (counts.size === 0) return text;
    record(state, counts);
    return out + text.slice(copiedTo);
  };

  const walkAsync = async (
    value: unknown,
    state: WalkState,
    skip: ReadonlySet<string> | undefined,
    control: AsyncControl,
  ): Promise<unknown> => {
    if (typeof value === 'string') {
      if (value.length > control.sliceChars) return maskLargeString(value, state, control);
      control.sinceYield += value.length;
      if (control.sinceYield >= control.sliceChars) {
        control.sinceYield = 0;
        await control.yieldEvery();
      }
      return maskString(value, state);
    }
    if (typeof value !== 'object' || value === null) return value;
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [i, item])
      : Object.keys(value)
          .filter((key) => !OPAQUE_KEYS.has(key) && !skip?.has(key))
          .map((key) => [key, (value as Record<string, unknown>)[key]]);
    let copy: Record<string | number, unknown> | undefined;
    for (const [key, item] of entries) {
      state.segments.push(key);
      const masked = await walkAsync(item, state, undefined, control);
      state.segments.pop();
      if (masked !== item) {
        copy ??= Array.isArray(value)
          ? (value.slice() as unknown as Record<number, unknown>)
          : { ...(value as object) };
        copy[key] = masked;
      }
    }
    return copy ?? value;
  };

  const newState = (path: string | undefined): WalkState => ({
    findings: new Map(),
    segments: path === undefined || path === '' ? [] : [path],
  });

  return {
    mask<T>(value: T, path?: string): MaskedValue<T> {
      if (nothingToFind) return { value, findings: [] };
      const state = newState(path);
      const masked = walk(value, state, undefined) as T;
      return { value: masked, findings: findingsOf(state) };
    },
    async maskAsync<T>(
      value: T,
      async: { readonly sliceChars: number; readonly yieldEvery: () => Promise<void> },
      path?: string,
    ): Promise<MaskedValue<T>> {
      if (nothingToFind) return { value, findings: [] };
      const state = newState(path);
      const masked = (await walkAsync(value, state, undefined, { ...async, sinceYield: 0 })) as T;
      return { value: masked, findings: findingsOf(state) };
    },
    maskMessage(message: JsonRpcMessage): MaskedValue<JsonRpcMessage> {
      if (nothingToFind) return { value: message, findings: [] };
      const state = newState(undefined);
      const masked = walk(message, state, ENVELOPE_KEYS) as JsonRpcMessage;
      return { value: masked, findings: findingsOf(state) };
    },
    async maskMessageAsync(
      message: JsonRpcMessage,
      async: { readonly sliceChars: number; readonly yieldEvery: () => Promise<void> },
    ): Promise<MaskedValue<JsonRpcMessage>> {
      if (nothingToFind) return { value: message, findings: [] };
      const state = newState(undefined);
      const masked = (await walkAsync(message, state, ENVELOPE_KEYS, {
        ...async,
        sinceYield: 0,
      })) as JsonRpcMessage;
      return { value: masked, findings: findingsOf(state) };
    },
  };
}
