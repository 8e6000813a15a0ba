import type { SessionOpenRequest } from '@airlock/core';
import type { Logger } from 'pino';

/** Recently seen groups; an older one just gets a new child when it comes back. */
const MAX_GROUP_LOGGERS = 256;

/**
 * One child logger per modern-era recording group, for its exchanges' session bridges: every
 * exchange is a session of its own, and a pino child made for each cost about 16 µs of the agent's
 * CPU per exchange under load (its bindings serialised). The exchanges of a group share the
 * group's session id, connection and subject, so they can share the child too.
 */
export class GroupLoggers {
  private readonly children = new Map<string, Logger>();

  constructor(private readonly logger: Logger) {}

  for(request: SessionOpenRequest): Logger {
    const key = `${request.sessionId}\u0000${request.connection}\u0000${request.caller.subject}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.logger.child({
        sessionId: request.sessionId,
        connection: request.connection,
        subject: request.caller.subject,
      });
      if (this.children.size >= MAX_GROUP_LOGGERS)
        this.children.delete(this.children.keys().next().value as string);
      this.children.set(key, child);
    }
    return child;
  }
}
