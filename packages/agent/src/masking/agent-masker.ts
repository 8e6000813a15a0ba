import {
  AirlockError,
  canonicalJson,
  compileMasker,
  effectiveMaskingPolicy,
  type AgentConfig,
  type JsonRpcMessage,
  type MaskedMessage,
  type Masker,
  type ResponseMasker,
  type SessionOpenRequest,
} from '@airlock/core';
import type { InjectedSecrets } from './injected-secrets.js';

/** Messages at least this large (counting string characters) are masked in slices, yielding between them. */
const LARGE_MESSAGE_CHARS = 64 * 1024;
const MAX_COMPILED = 64;
/** The policy key of sessions whose gateway sent no masking policy (the agent's floor alone). */
const NO_POLICY = Object.freeze({});

const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sums string lengths until `limit` is reached: cheap, and exits early on large messages. */
function atLeastChars(value: unknown, limit: number): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      total += item.length;
      if (total >= limit) return true;
    } else if (typeof item === 'object' && item !== null) {
      for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push(child);
    }
  }
  return false;
}

/**
 * The agent's masking: each session's policy from the gateway, raised to the agent's floor for
 * the connection, plus every value the agent injected. Compiled maskers are cached by policy.
 */
export class AgentMasker implements ResponseMasker {
  private readonly compiled = new Map<string, Masker>();
  private readonly compiling = new Map<string, Promise<Masker>>();
  /** Per session: the masker and the injected-values generation it was made for (no work per message). */
  private readonly bySession = new WeakMap<SessionOpenRequest, { generation: number; masker: Masker }>();
  /**
   * Per policy object and connection: a gateway's modern-era exchanges are sessions of their own,
   * each with the same (decoded once, frozen) policy object, so one lookup replaces building the
   * effective policy and its key for every exchange (about 35 µs each).
   */
  private readonly byPolicy = new WeakMap<object, Map<string, { generation: number; masker: Masker }>>();

  constructor(
    private readonly config: AgentConfig,
    private readonly injected: InjectedSecrets,
    private readonly keyedHash: (text: string) => string,
  ) {}

  /**
   * The masker for a session: at once when this policy was compiled before, else once it is
   * (a detector's module may load first). Rejects with `masking_policy_invalid` when the policy
   * cannot run here (a custom pattern this agent's engine refuses), so the session is refused
   * before it starts.
   */
  maskerFor(request: SessionOpenRequest): Masker | Promise<Masker> {
    const generation = this.injected.generation(request.connection);
    const known = this.bySession.get(request);
    if (known !== undefined && known.generation === generation) return known.masker;
    const policyKey = request.masking ?? NO_POLICY;
    const shared = this.byPolicy.get(policyKey)?.get(request.connection);
    if (shared !== undefined && shared.generation === generation) {
      this.bySession.set(request, shared);
      return shared.masker;
    }
    const remember = (masker: Masker): Masker => {
      const entry = { generation, masker };
      this.bySession.set(request, entry);
      if (Object.isFrozen(policyKey)) {
        let byConnection = this.byPolicy.get(policyKey);
        if (byConnection === undefined) this.byPolicy.set(policyKey, (byConnection = new Map()));
        byConnection.set(request.connection, entry);
      }
      return masker;
    };
    let compiled: Masker | Promise<Masker>;
    try {
      compiled = this.compile(request, generation);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return compiled instanceof Promise ? compiled.then(remember) : remember(compiled);
  }

  /** A compiled masker from the cache, or the compilation under way (one per policy at a time). */
  private compile(request: SessionOpenRequest, generation: number): Masker | Promise<Masker> {
    const connection = this.config.connections[request.connection];
    const floor = {
      detectors: [...this.config.masking.floor.detectors, ...(connection?.masking.floor.detectors ?? [])],
      custom: [...this.config.masking.floor.custom, ...(connection?.masking.floor.custom ?? [])],
    };
    const policy = effectiveMaskingPolicy(request.masking, floor);
    const key = `${request.connection}\u0000${generation}\u0000${canonicalJson(policy)}`;
    const masker = this.compiled.get(key);
    if (masker !== undefined) return masker;
    let pending = this.compiling.get(key);
    if (pending === undefined) {
      pending = compileMasker(policy, {
        injected: this.injected.of(request.connection),
        keyedHash: this.keyedHash,
      }).then(
        (made) => {
          this.compiling.delete(key);
          if (this.compiled.size >= MAX_COMPILED)
            this.compiled.delete(this.compiled.keys().next().value as string);
          this.compiled.set(key, made);
          return made;
        },
        (error: unknown) => {
          this.compiling.delete(key);
          throw new AirlockError(
            'masking_policy_invalid',
            `The masking policy for connection "${request.connection}" cannot run on agent ${this.config.id}: ${(error as Error).message}`,
            { cause: error },
          );
        },
      );
      this.compiling.set(key, pending);
    }
    return pending;
  }

  mask(request: SessionOpenRequest, message: JsonRpcMessage): MaskedMessage | Promise<MaskedMessage> {
    const masker = this.maskerFor(request);
    return masker instanceof Promise
      ? masker.then((ready) => this.maskWith(ready, message))
      : this.maskWith(masker, message);
  }

  private maskWith(masker: Masker, message: JsonRpcMessage): MaskedMessage | Promise<MaskedMessage> {
    if (!atLeastChars(message, LARGE_MESSAGE_CHARS)) {
      const { value, findings } = masker.maskMessage(message);
      return { message: value, findings };
    }
    return masker
      .maskMessageAsync(message, { sliceChars: this.config.masking.sliceBytes, yieldEvery: yieldToOthers })
      .then(({ value, findings }) => ({ message: value, findings }));
  }
}
