/**
 * Jupyter messages on the wire (messaging protocol 5.3): the ZeroMQ frames
 * `[identities…, '<IDS|MSG>', signature, header, parent_header, metadata, content, buffers…]`,
 * signed with HMAC-SHA256 over the four JSON frames with the connection file's key. A message whose
 * signature does not match is rejected here, before anything reads its content.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const protocolVersion = '5.3';
const delimiter = '<IDS|MSG>';

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface JupyterMessage<Content = Record<string, unknown>> {
  /** The ROUTER identities the reply goes back to (empty on PUB and REP sockets). */
  identities: Buffer[];
  header: MessageHeader;
  /** The header of the request this message answers, or {} for none. */
  parent_header: MessageHeader | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Content;
  buffers: Buffer[];
}

/** A frame list that is not a well-formed, correctly signed message: why, for the kernel's log. */
export class RejectedMessage extends Error {}

export class MessageSigner {
  private readonly key: Buffer;

  /** `key` and `scheme` from the connection file; an empty key means no signing (the protocol allows it). */
  constructor(key: string, scheme: string) {
    if (key && scheme !== 'hmac-sha256')
      throw new Error(`connection file: signature_scheme '${scheme}' is not supported (only hmac-sha256)`);
    this.key = Buffer.from(key, 'utf8');
  }

  sign(frames: Buffer[]): string {
    if (this.key.length === 0) return '';
    const hmac = createHmac('sha256', this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest('hex');
  }

  /** Parses a received frame list; throws RejectedMessage for a bad signature or shape. */
  decode(frames: Buffer[]): JupyterMessage {
    const at = frames.findIndex((frame) => frame.toString('utf8') === delimiter);
    if (at < 0 || frames.length < at + 6)
      throw new RejectedMessage('not a Jupyter message (no <IDS|MSG> and 5 frames)');
    const signature = frames[at + 1].toString('ascii');
    const signed = frames.slice(at + 2, at + 6);
    if (this.key.length > 0) {
      const expected = Buffer.from(this.sign(signed), 'ascii');
      const given = Buffer.from(signature, 'ascii');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new RejectedMessage('bad HMAC-SHA256 signature');
    }
    const [header, parent_header, metadata, content] = signed.map((frame) => JSON.parse(frame.toString('utf8')));
    if (typeof header?.msg_type !== 'string') throw new RejectedMessage('header has no msg_type');
    return { identities: frames.slice(0, at), header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
  }

  encode(message: JupyterMessage<unknown>): Buffer[] {
    const { header, parent_header, metadata, content } = message;
    const signed = [header, parent_header, metadata, content].map((part) => Buffer.from(JSON.stringify(part), 'utf8'));
    return [
      ...message.identities,
      Buffer.from(delimiter),
      Buffer.from(this.sign(signed)),
      ...signed,
      ...message.buffers,
    ];
  }
}

/** A new message of `msgType` in `session`, answering `parent` (its identities included) when given. */
export function newMessage<Content>(
  session: string,
  msgType: string,
  content: Content,
  parent?: JupyterMessage<unknown>,
  identities: Buffer[] = parent?.identities ?? [],
): JupyterMessage<Content> {
  return {
    identities,
    header: {
      msg_id: randomUUID(),
      session,
      username: 'kernel',
      date: new Date().toISOString(),
      msg_type: msgType,
      version: protocolVersion,
    },
    parent_header: parent?.header ?? {},
    metadata: {},
    content,
    buffers: [],
  };
}
