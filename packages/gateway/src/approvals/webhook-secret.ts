import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AirlockError, type ApprovalWebhookConfig } from '@airlock/core';

export interface WebhookSecretSource {
  /** Names the webhook in messages, e.g. `gateway.approvals.webhooks[0]`. */
  readonly key: string;
  /** Where `secretFile` is relative to (the configuration file's folder); default: the working directory. */
  readonly configDir?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

function missing(key: string, what: string, next: string, cause?: unknown): AirlockError {
  return new AirlockError('config_invalid', `${key} is signed with ${what}; ${next}`, {
    data: { webhook: key },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Reads a webhook's signing secret once, at startup: `secretEnv` first, then `secretFile`
 * (trailing whitespace trimmed, so `echo secret > file` works). A webhook that names a secret it
 * cannot find is a startup error, never an unsigned delivery. Returns undefined when none is named
 * (a `slack` webhook: the URL itself is the credential).
 */
export function readWebhookSecret(
  webhook: ApprovalWebhookConfig,
  source: WebhookSecretSource,
): string | undefined {
  const { key } = source;
  if (webhook.secretEnv !== undefined) {
    const value = source.env[webhook.secretEnv]?.trim();
    if (value) return value;
    if (webhook.secretFile === undefined) {
      throw missing(
        key,
        `the secret in the environment variable ${webhook.secretEnv}, which is not set or empty`,
        `set ${webhook.secretEnv} to the secret the receiver checks (or name a file with ${key}.secretFile).`,
      );
    }
  }
  if (webhook.secretFile === undefined) return undefined;
  const path = isAbsolute(webhook.secretFile)
    ? webhook.secretFile
    : resolve(source.configDir ?? process.cwd(), webhook.secretFile);
  let value: string;
  try {
    value = readFileSync(path, 'utf8').trim();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw missing(
      key,
      `the secret in ${path}, which cannot be read (${code})`,
      `create that file holding the secret the receiver checks, or fix ${key}.secretFile.`,
      cause,
    );
  }
  if (!value) {
    throw missing(
      key,
      `the secret in ${path}, which is empty`,
      'write the secret the receiver checks into it.',
    );
  }
  return value;
}
