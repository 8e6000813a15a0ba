import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Writable } from 'node:stream';
import {
  AirlockError,
  parseJsonRpcMessage,
  type JsonRpcMessage,
  type SessionOpenRequest,
  type StdioConnectionConfig,
} from '@airlock/core';
import type { Logger } from 'pino';
import { awsEnvironment } from '../credentials/aws-environment.js';
import type { AwsCredentials, CredentialSource } from '../credentials/credential-source.js';
import type { AssumableRole, RoleCredentials } from '../credentials/role-credentials.js';
import { childEnvironment } from './child-environment.js';
import { failedSession } from './failed-session.js';
import { LineSplitter } from './line-splitter.js';
import { upstreamFailure } from './http-response.js';
import { answeredRequestId, isRefusedMessage, refusedAnswerText } from './refused-message.js';
import { RelatedRequestTracker } from './related-request-tracker.js';
import { StderrTail, stdioExitError, stdioSpawnError } from './stdio-exit-error.js';
import type { UpstreamConnector, UpstreamSession, UpstreamSink } from './upstream.js';

export interface StdioConnectorOptions {
  readonly name: string;
  readonly config: StdioConnectionConfig;
  readonly credentials: CredentialSource;
  /** Per-person role credentials, for a connection with `aws.roleArn`. */
  readonly roles?: RoleCredentials;
  readonly logger: Logger;
  /** Told the AWS credentials before they go into a server's environment, so masking knows them first. */
  readonly onAwsInjected?: (credentials: AwsCredentials) => void;
  /** How long a new server waits for the first AWS credential resolution before starting without. */
  readonly credentialWaitMs?: number;
  /** Largest single message (one stdout line) accepted from a server. */
  readonly maxMessageBytes?: number;
  /** Client messages held while the server starts. */
  readonly maxQueuedSends?: number;
}

const DEFAULT_CREDENTIAL_WAIT_MS = 2_000;
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_QUEUED_SENDS = 256;
const MAX_STDERR_LINE_BYTES = 64 * 1024;
const EXIT_CLOSE_GRACE_MS = 2_000;

/** Starts one MCP server process per session and speaks newline-delimited JSON-RPC with it. */
export class StdioConnector implements UpstreamConnector {
  readonly transport = 'stdio' as const;

  constructor(private readonly options: StdioConnectorOptions) {}

  open(request: SessionOpenRequest, sink: UpstreamSink): UpstreamSession {
    if (request.kind !== 'session' || request.era !== 'legacy') {
      return failedSession(
        sink,
        new AirlockError(
          'protocol_era_mismatch',
          `Connection "${this.options.name}" is a stdio connection, which serves MCP 2025-era (legacy) sessions only for now; ` +
            `this client speaks ${request.protocolVersion}. Connect with a client that speaks a 2025 protocol version.`,
          { data: { connection: this.options.name, eras: ['legacy'], requested: request.protocolVersion } },
        ),
      );
    }
    return new StdioUpstreamSession(this.options, request, sink);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function waitForDrain(stdin: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stdin.off('drain', done);
      stdin.off('close', done);
      stdin.off('error', done);
      resolve();
    };
    stdin.on('drain', done);
    stdin.on('close', done);
    stdin.on('error', done);
  });
}

class StdioUpstreamSession implements UpstreamSession {
  private readonly logger: Logger;
  private readonly tracker = new RelatedRequestTracker();
  private readonly stdout: LineSplitter;
  private readonly stderr = new LineSplitter(MAX_STDERR_LINE_BYTES);
  private readonly stderrTail = new StderrTail();
  private readonly ready: Promise<ChildProcessWithoutNullStreams | undefined>;
  private child: ChildProcessWithoutNullStreams | undefined;
  /** Deliveries to the sink, chained so they stay in order and the exit report comes last. */
  private delivery: Promise<void> = Promise.resolve();
  private queued = 0;
  private closing = false;
  private exited: Promise<void> | undefined;
  private failure: AirlockError | undefined;
  private finished = false;

  constructor(
    private readonly options: StdioConnectorOptions,
    private readonly request: SessionOpenRequest,
    private readonly sink: UpstreamSink,
  ) {
    this.logger = options.logger.child({ sessionId: request.sessionId });
    this.stdout = new LineSplitter(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.ready = this.start();
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.finished || this.closing) throw this.endedError();
    if (this.queued >= (this.options.maxQueuedSends ?? DEFAULT_MAX_QUEUED_SENDS)) {
      throw new AirlockError(
        'upstream_failed',
        `Too many messages are waiting for the MCP server of connection "${this.options.name}" to start; retry shortly.`,
      );
    }
    this.queued++;
    const child = await this.ready;
    this.queued--;
    if (!child || this.finished || this.closing) throw this.endedError();
    this.tracker.clientSent(message);
    if (!child.stdin.write(`${JSON.stringify(message)}\n`)) await waitForDrain(child.stdin);
  }

  async close(): Promise<void> {
    if (this.closing) return this.exited;
    this.closing = true;
    const child = await this.ready;
    if (!child) {
      this.finish(undefined);
      return;
    }
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), this.options.config.killGraceMs);
      void this.exited?.finally(() => clearTimeout(killTimer));
    }
    await this.exited;
  }

  private async start(): Promise<ChildProcessWithoutNullStreams | undefined> {
    const { config } = this.options;
    let injected: Record<string, string> = {};
    if (config.aws.inject) {
      const current = await this.awsCredentials();
      if (this.finished) return undefined;
      if (current) this.options.onAwsInjected?.(current);
      injected = awsEnvironment(current, config.aws.region);
    }
    if (this.closing) return undefined;

    const child = spawn(config.command, config.args, {
      cwd: config.cwd,
      env: childEnvironment(injected, config.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    // 'exit' is the process gone; a spawn that failed has no 'exit', only 'error' then 'close'.
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('close', () => resolve());
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      // 'error' also reports a failed kill; only a missing pid means the spawn itself failed.
      if (child.pid !== undefined) return this.logger.warn({ err: error }, 'MCP server process error');
      this.finish(stdioSpawnError(this.options.name, config.command, error));
    });
    child.stdin.on('error', (error) => this.logger.debug({ err: error }, 'MCP server stdin closed'));
    child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => this.onStderr(chunk));
    // 'close' comes after the last stdout byte, so everything the server said is delivered first.
    // A grandchild that inherited stdout can hold it open past the exit: then report after a grace.
    child.once('close', (code, signal) => {
      void this.delivery.then(() => this.onExit(code, signal));
    });
    child.once('exit', (code, signal) => {
      setTimeout(() => void this.delivery.then(() => this.onExit(code, signal)), EXIT_CLOSE_GRACE_MS).unref();
    });
    this.logger.debug({ pid: child.pid, command: config.command }, 'MCP server process started');
    return child;
  }

  /**
   * The credentials this session's server gets: the connection role's, assumed for the person
   * (recorded before the server sees them), or the agent's own. A role that cannot be assumed
   * (or recorded) fails the session: no server starts, and never with the agent's own credentials.
   */
  private async awsCredentials(): Promise<AwsCredentials | undefined> {
    const { config, roles, name } = this.options;
    if (config.aws.roleArn === undefined) {
      return this.options.credentials.current(this.options.credentialWaitMs ?? DEFAULT_CREDENTIAL_WAIT_MS);
    }
    try {
      if (!roles)
        throw new AirlockError(
          'internal',
          `Connection "${name}" has a role but the agent no role credentials.`,
        );
      const assumed = await roles.forSession({
        connection: name,
        role: config.aws as AssumableRole,
        caller: this.request.caller,
        sessionId: this.request.sessionId,
      });
      await this.sink.awsCredentials?.({ ...assumed.attribution, use: 'environment' });
      return assumed.credentials;
    } catch (error) {
      this.finish(AirlockError.from(error, 'aws_role_unavailable'));
      return undefined;
    }
  }

  private onStdout(chunk: Buffer): void {
    if (this.finished) return;
    let lines: Buffer[];
    try {
      lines = this.stdout.push(chunk);
    } catch {
      this.fail(
        new AirlockError(
          'message_too_large',
          `The MCP server for connection "${this.options.name}" sent a message larger than ${this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES} bytes; the session was ended.`,
        ),
      );
      return;
    }
    if (lines.length === 0) return;
    const messages: JsonRpcMessage[] = [];
    for (const line of lines) {
      const text = line.toString('utf8');
      try {
        messages.push(parseJsonRpcMessage(text));
      } catch (error) {
        // Servers sometimes print logs to stdout; skip the line rather than end the session.
        this.logger.warn(
          { err: { message: (error as Error).message } },
          'MCP server wrote a non-JSON-RPC line to stdout',
        );
        // But a refused answer (duplicate keys, too deep) fails its request rather than leave it waiting.
        const answered = isRefusedMessage(error) ? answeredRequestId(text) : undefined;
        if (answered !== undefined) {
          messages.push(
            upstreamFailure(answered, refusedAnswerText(this.options.name, error as AirlockError)),
          );
        }
      }
    }
    const stdout = this.child?.stdout;
    stdout?.pause();
    this.delivery = this.delivery.then(async () => {
      for (const message of messages) {
        if (this.finished) return;
        try {
          await this.sink.message(message, { relatedRequest: this.tracker.serverSent(message) });
        } catch (error) {
          this.fail(AirlockError.from(error, 'upstream_closed'));
          return;
        }
      }
      if (!this.finished) stdout?.resume();
    });
  }

  private onStderr(chunk: Buffer): void {
    let lines: Buffer[];
    try {
      lines = this.stderr.push(chunk);
    } catch {
      lines = [];
    }
    for (const line of lines) {
      const text = line.toString('utf8');
      this.stderrTail.push(text);
      this.logger.debug({ stderr: text }, 'MCP server stderr');
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.finished) return;
    this.logger.debug({ code, signal }, 'MCP server process exited');
    if (this.closing) this.finish(undefined);
    else this.finish(stdioExitError(this.options.name, code, signal, this.tracker.size, this.stderrTail));
  }

  /** Ends the session from our side because of `failure`, stopping the process. */
  private fail(failure: AirlockError): void {
    this.finish(failure);
    void this.close();
  }

  private finish(failure: AirlockError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = failure;
    // Drain (and drop) what is left, so the pipe reaches EOF and the process can be reaped.
    this.child?.stdout.resume();
    this.sink.end(failure);
  }

  private endedError(): AirlockError {
    return (
      this.failure ??
      new AirlockError(
        'upstream_closed',
        `The session with connection "${this.options.name}" is closed; start a new session.`,
      )
    );
  }
}
