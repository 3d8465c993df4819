// DevTools sessions on a page's dedicated workers, nested ones included, for the commands
// Playwright's Worker does not offer (Runtime.getHeapUsage: workers have no
// performance.memory). Playwright's CDPSession only talks to the page's own target, so the
// workers are reached with the Target domain's non-flattened messages
// (Target.sendMessageToTarget / receivedMessageFromTarget), one level per parent worker.
import type { CDPSession } from '@playwright/test';

/** A DevTools session on one worker. */
export interface WorkerSession {
  /** The worker's script URL. */
  readonly url: string;
  /**
   * Sends one command to the worker.
   * @returns the command's result object
   * @throws Error with DevTools' message when the command fails or the worker went away
   */
  send<T>(method: string, params?: object): Promise<T>;
}

/** The page's workers, attached as they start. */
export interface WorkerSessions {
  /** The live session whose worker has this script URL, or undefined. */
  byUrl(url: string): WorkerSession | undefined;
}

interface Message {
  id?: number;
  method?: string;
  params?: { sessionId?: string; message?: string; targetInfo?: { type: string; url: string } };
  result?: unknown;
  error?: { message: string };
}

type Send = (method: string, params: object) => Promise<unknown>;

/** Children of one session (the page or a worker): attaches each new worker and routes its messages. */
class Children {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly parentSend: Send,
    private readonly registry: Map<string, Session>,
  ) {}

  /** Handles Target.* events of the parent session. */
  onEvent(method: string | undefined, params: Message['params']): void {
    const sessionId = params?.sessionId;
    if (!sessionId) return;
    if (method === 'Target.attachedToTarget' && params.targetInfo?.type === 'worker') {
      const session = new Session(params.targetInfo.url, sessionId, this.parentSend, this.registry);
      this.sessions.set(sessionId, session);
      this.registry.set(session.url, session);
      session.autoAttach().catch((err: unknown) => session.fail(err));
    } else if (method === 'Target.detachedFromTarget') {
      const session = this.sessions.get(sessionId);
      this.sessions.delete(sessionId);
      if (session && this.registry.get(session.url) === session) this.registry.delete(session.url);
      session?.fail(new Error(`worker ${session.url} went away`));
    } else if (method === 'Target.receivedMessageFromTarget' && params.message) {
      this.sessions.get(sessionId)?.receive(params.message);
    }
  }
}

class Session implements WorkerSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private readonly children: Children;

  constructor(
    readonly url: string,
    private readonly sessionId: string,
    private readonly parentSend: Send,
    registry: Map<string, Session>,
  ) {
    this.children = new Children((method, params) => this.send(method, params), registry);
  }

  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.parentSend('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }).catch(
        (err: unknown) => {
          this.pending.delete(id);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /** Attaches this worker's own workers too. */
  async autoAttach(): Promise<void> {
    await this.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  }

  receive(raw: string): void {
    const message = JSON.parse(raw) as Message;
    if (message.id === undefined) {
      this.children.onEvent(message.method, message.params);
      return;
    }
    const call = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.error) call?.reject(new Error(`${this.url}: ${message.error.message}`));
    else call?.resolve(message.result);
  }

  /** Rejects every command in flight. */
  fail(err: unknown): void {
    for (const call of this.pending.values()) call.reject(err instanceof Error ? err : new Error(String(err)));
    this.pending.clear();
  }
}

/**
 * Attaches to the page's workers, and theirs, without pausing them. Call before the workers
 * start; workers that started earlier are not seen.
 * @param cdp a session from `context.newCDPSession(page)`
 */
export async function attachWorkerSessions(cdp: CDPSession): Promise<WorkerSessions> {
  const registry = new Map<string, Session>();
  const root = new Children((method, params) => cdp.send(method as 'Target.sendMessageToTarget', params as never), registry);
  cdp.on('Target.attachedToTarget', (params) => root.onEvent('Target.attachedToTarget', params));
  cdp.on('Target.detachedFromTarget', (params) => root.onEvent('Target.detachedFromTarget', params as Message['params']));
  cdp.on('Target.receivedMessageFromTarget', (params) => root.onEvent('Target.receivedMessageFromTarget', params as Message['params']));
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return { byUrl: (url) => registry.get(url) };
}
