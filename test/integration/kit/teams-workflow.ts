/**
 * A stand-in for a Teams Workflows webhook ("When a Teams webhook request is received") on 127.0.0.1.
 * It checks what the real trigger and the template's "Post card in a chat or channel" step need — a
 * JSON message with exactly one Adaptive Card attachment of a version Teams renders, under the
 * message size limit — and answers 202 Accepted with an empty body as Power Automate does; a request
 * it would reject gets the 400 a flow answers for a bad body. Tests can make it answer anything else.
 */
import { createServer, type ServerResponse } from 'node:http';
import { listenLocal, readBody } from '../../helpers/http.ts';

// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
export const DOCUMENTED_MESSAGE_MAX_BYTES = 28 * 1024;
// https://learn.microsoft.com/en-us/microsoft-copilot-studio/guidance/adaptive-cards-overview: "Teams is also limited to version 1.5"
const RENDERED_VERSIONS = new Set(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']);

/** What the stand-in does with one request instead of checking it. */
export type WorkflowBehaviour =
  | { kind: 'check' }
  | { kind: 'reply'; status: number; body?: string; headers?: Record<string, string> }
  /** Never answers: the client's timeout fires first. */
  | { kind: 'hang' }
  /** Drops the connection before answering (a reset). */
  | { kind: 'drop' };

export interface PostedCard {
  bytes: number;
  contentType: string | undefined;
  /** The parsed request body. */
  message: unknown;
}

export interface TeamsWorkflow {
  /** The secret URL, shaped like a real one: workflow id in the path, signature in `sig`. */
  url: string;
  /** The signature alone, to check it never leaks. */
  signature: string;
  /** Requests answered 202: what would have been posted. */
  posted: PostedCard[];
  /** Why each request the checks refused was refused. */
  refused: string[];
  requests: number;
  /** What the next requests get, in order; once used up, every request is checked. */
  script(...behaviours: WorkflowBehaviour[]): void;
  close(): Promise<void>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why the trigger or the post-card step would refuse this body; undefined when it posts. */
export function refusal(raw: string, contentType: string | undefined): string | undefined {
  if (!contentType?.toLowerCase().startsWith('application/json'))
    return 'content-type is not application/json';
  if (Buffer.byteLength(raw, 'utf8') > DOCUMENTED_MESSAGE_MAX_BYTES) return 'request entity too large';
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return 'body is not JSON';
  }
  if (!isRecord(message) || message.type !== 'message') return 'type is not "message"';
  const attachments = message.attachments;
  if (!Array.isArray(attachments) || attachments.length !== 1) return 'not exactly one attachment';
  const [attachment] = attachments;
  if (!isRecord(attachment) || attachment.contentType !== 'application/vnd.microsoft.card.adaptive') {
    return 'attachment is not an Adaptive Card';
  }
  const card = attachment.content;
  if (!isRecord(card) || card.type !== 'AdaptiveCard') return 'content is not an AdaptiveCard';
  if (typeof card.version !== 'string' || !RENDERED_VERSIONS.has(card.version)) {
    return 'card version Teams does not render';
  }
  if (!Array.isArray(card.body) || card.body.length === 0) return 'card has no body';
  for (const action of Array.isArray(card.actions) ? card.actions : []) {
    if (!isRecord(action) || action.type !== 'Action.OpenUrl' || typeof action.url !== 'string') {
      return 'action is not Action.OpenUrl';
    }
    if (!/^https?:\/\//.test(action.url)) return 'action URL is not http(s)';
  }
  return undefined;
}

export async function startTeamsWorkflow(): Promise<TeamsWorkflow> {
  const workflowId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const signature = 'Zm9vYmFyU2lnbmF0dXJlLXN0YW5kLWluLTAwMDAwMDAwMDA';
  const path = `/powerautomate/automations/direct/workflows/${workflowId}/triggers/manual/paths/invoke`;
  const query = `?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${signature}`;
  const queue: WorkflowBehaviour[] = [];
  const hanging = new Set<ServerResponse>();
  const state = { posted: [] as PostedCard[], refused: [] as string[], requests: 0 };

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        state.requests++;
        const behaviour = queue.shift() ?? { kind: 'check' };
        if (behaviour.kind === 'drop') {
          req.socket.destroy();
          return;
        }
        if (behaviour.kind === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        if (behaviour.kind === 'reply') {
          res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
          res.end(behaviour.body ?? '');
          return;
        }
        if (req.method !== 'POST' || req.url !== path + query) {
          // A wrong signature: the answer quotes the signature it was given, the worst case for a log.
          const given = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('sig') ?? '';
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: {
                code: 'DirectApiAuthorizationRequired',
                message: `The signature ${given} is not valid.`,
              },
            }),
          );
          return;
        }
        const contentType = req.headers['content-type'];
        const why = refusal(raw, contentType);
        if (why !== undefined) {
          state.refused.push(why);
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'InvalidRequestContent', message: why } }));
          return;
        }
        state.posted.push({ bytes: Buffer.byteLength(raw, 'utf8'), contentType, message: JSON.parse(raw) });
        res.writeHead(202, { 'content-length': '0' });
        res.end();
      })
      .catch(() => res.destroy());
  });
  const base = await listenLocal(server);
  return Object.assign(state, {
    url: `${base}${path}${query}`,
    signature,
    script: (...behaviours: WorkflowBehaviour[]) => {
      queue.push(...behaviours);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
