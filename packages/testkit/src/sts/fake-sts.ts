import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from '@airlock/demo';

/** One AssumeRole call as the fake STS received it: the exact parameters the client sent. */
export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds: number | undefined;
  readonly externalId: string | undefined;
  readonly policy: string | undefined;
  readonly sourceIdentity: string | undefined;
  /** Session tags, key → value; empty when none were sent. */
  readonly tags: Readonly<Record<string, string>>;
  /** The access key id the caller signed with (from its Authorization header). */
  readonly callerAccessKeyId: string | undefined;
  /** What the fake answered: `issued` (credentials) or the error code. */
  readonly outcome: string;
}

/** Temporary credentials the fake issued. */
export interface IssuedCredentials {
  readonly roleArn: string;
  readonly sourceIdentity: string | undefined;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface RunningFakeSts {
  /** The endpoint to give an STS client (`endpoint`), e.g. `aws.stsEndpoint`. */
  readonly endpoint: string;
  readonly calls: readonly AssumeRoleCall[];
  readonly issued: readonly IssuedCredentials[];
  /** AccessDenied for every AssumeRole of `roleArn` (the trust policy does not trust the caller). */
  denyRole(roleArn: string): void;
  /** AccessDenied when tags are sent for `roleArn` (its trust policy lacks sts:TagSession). */
  forbidTagging(roleArn: string): void;
  /** AccessDenied when a SourceIdentity is sent for `roleArn` (no sts:SetSourceIdentity). */
  forbidSourceIdentity(roleArn: string): void;
  /** How long the next credentials live (default: the DurationSeconds asked for). */
  setLifetimeSeconds(seconds: number | undefined): void;
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';
const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function accessKeyId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = prefix;
  for (const byte of randomBytes(16)) id += alphabet[byte % alphabet.length];
  return id;
}

/** Tags.member.N.Key / Tags.member.N.Value → { key: value }. */
function tagsOf(form: URLSearchParams): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let n = 1; form.has(`Tags.member.${n}.Key`); n++) {
    tags[form.get(`Tags.member.${n}.Key`)!] = form.get(`Tags.member.${n}.Value`) ?? '';
  }
  return tags;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

/**
 * An in-process stand-in for the STS `AssumeRole` Query API (no STS emulator runs here, and tests
 * never call AWS), spoken over HTTP so the real `@aws-sdk/client-sts` talks to it unchanged. It
 * answers like STS where the agent depends on it: form-encoded parameters, XML credentials with
 * an expiration, and AccessDenied naming the refused action (sts:AssumeRole, sts:TagSession,
 * sts:SetSourceIdentity) as a trust policy would.
 */
export async function startFakeSts(): Promise<RunningFakeSts> {
  const calls: AssumeRoleCall[] = [];
  const issued: IssuedCredentials[] = [];
  const denied = new Set<string>();
  const untaggable = new Set<string>();
  const noSourceIdentity = new Set<string>();
  let lifetimeSeconds: number | undefined;

  const server = createServer((req, res) => {
    void (async () => {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      if (form.get('Action') !== 'AssumeRole') {
        sendError(res, 400, 'InvalidAction', `Could not find operation ${form.get('Action') ?? ''}`);
        return;
      }
      const credential = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '');
      const roleArn = form.get('RoleArn') ?? '';
      const sessionName = form.get('RoleSessionName') ?? '';
      const duration = form.get('DurationSeconds');
      const sourceIdentity = form.get('SourceIdentity') ?? undefined;
      const tags = tagsOf(form);
      const caller = `arn:aws:sts::${ACCOUNT}:assumed-role/airlock-agent/i-0agent`;
      const note = (outcome: string) =>
        calls.push({
          roleArn,
          roleSessionName: sessionName,
          durationSeconds: duration === null ? undefined : Number(duration),
          externalId: form.get('ExternalId') ?? undefined,
          policy: form.get('Policy') ?? undefined,
          sourceIdentity,
          tags,
          callerAccessKeyId: credential?.[1],
          outcome,
        });
      const refuse = (action: string) => {
        note('AccessDenied');
        sendError(
          res,
          403,
          'AccessDenied',
          `User: ${caller} is not authorized to perform: ${action} on resource: ${roleArn}`,
        );
      };
      if (denied.has(roleArn)) return refuse('sts:AssumeRole');
      if (untaggable.has(roleArn) && Object.keys(tags).length > 0) return refuse('sts:TagSession');
      if (noSourceIdentity.has(roleArn) && sourceIdentity !== undefined)
        return refuse('sts:SetSourceIdentity');

      const seconds = lifetimeSeconds ?? (duration === null ? 3600 : Number(duration));
      const credentials: IssuedCredentials = {
        roleArn,
        sourceIdentity,
        accessKeyId: accessKeyId('ASIA'),
        secretAccessKey: `fake-sts-secret-${randomBytes(15).toString('hex')}`,
        sessionToken: `fake-sts-token-${randomBytes(30).toString('base64url')}`,
        // STS answers whole seconds.
        expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + seconds * 1000),
      };
      issued.push(credentials);
      note('issued');
      const roleName = roleArn.split('/').pop() ?? 'role';
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult>` +
          (sourceIdentity === undefined
            ? ''
            : `<SourceIdentity>${xmlText(sourceIdentity)}</SourceIdentity>`) +
          `<AssumedRoleUser><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/${xmlText(roleName)}/${xmlText(sessionName)}</Arn>` +
          `<AssumedRoleId>AROAFAKESTS:${xmlText(sessionName)}</AssumedRoleId></AssumedRoleUser>` +
          `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId>` +
          `<SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>` +
          `<SessionToken>${credentials.sessionToken}</SessionToken>` +
          `<Expiration>${credentials.expiration.toISOString()}</Expiration></Credentials>` +
          `<PackedPolicySize>${Object.keys(tags).length * 2}</PackedPolicySize>` +
          `</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    })().catch((error: unknown) => {
      sendError(res, 500, 'InternalFailure', (error as Error).message);
    });
  });
  const port = await listen(server, '127.0.0.1', 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    issued,
    denyRole: (roleArn) => denied.add(roleArn),
    forbidTagging: (roleArn) => untaggable.add(roleArn),
    forbidSourceIdentity: (roleArn) => noSourceIdentity.add(roleArn),
    setLifetimeSeconds: (seconds) => {
      lifetimeSeconds = seconds;
    },
    close: () => closeServer(server),
  };
}
