import { eventually } from './eventually';

/** One message as the mailbox's REST API (MailDev) shows it. */
export interface MailboxMessage {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: Array<{ address: string; name: string }>;
  headers: Record<string, string>;
  attachments?: Array<{ filename: string; generatedFileName: string; contentType: string }>;
}

/**
 * The stack's inbox, read through MailDev's REST API the way a person reads their mail: what
 * was delivered to an address, its links and its attachments.
 */
export class Mailbox {
  constructor(readonly url: string) {}

  async all(): Promise<MailboxMessage[]> {
    const response = await fetch(`${this.url}/api/email`);
    if (!response.ok) throw new Error(`mailbox answered ${response.status}`);
    return (await response.json()) as MailboxMessage[];
  }

  /** Messages to `address`, of `kind` (the platform's X-KO-Mail-Kind header) when given. */
  async to(address: string, kind?: string): Promise<MailboxMessage[]> {
    const wanted = address.toLowerCase();
    return (await this.all()).filter(
      (m) =>
        m.to.some((t) => t.address.toLowerCase() === wanted) &&
        (!kind || m.headers['x-ko-mail-kind'] === kind),
    );
  }

  /** Waits (generously) until `count` messages of `kind` reached `address`, and returns them. */
  async waitFor(address: string, kind: string, count = 1, timeoutMs = 60_000) {
    return eventually(
      `${count} ${kind} mail(s) to ${address}`,
      () => this.to(address, kind).catch(() => []),
      (found) => found.length >= count,
      timeoutMs,
    );
  }

  async attachment(message: MailboxMessage, filename: string): Promise<Buffer> {
    const file = message.attachments?.find((a) => a.filename === filename);
    if (!file) throw new Error(`no attachment ${filename} in "${message.subject}"`);
    const response = await fetch(
      `${this.url}/api/email/${message.id}/attachment/${encodeURIComponent(file.generatedFileName)}`,
    );
    if (!response.ok) throw new Error(`attachment ${filename}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** The token of the first link in the message's text whose path is `path`. */
  linkToken(message: MailboxMessage, path: string): string {
    const link = message.text.match(/https?:\/\/\S+/g)?.find((u) => new URL(u).pathname === path);
    const token = link && new URL(link).searchParams.get('token');
    if (!token) throw new Error(`no ${path} link in "${message.subject}": ${message.text}`);
    return token;
  }
}
