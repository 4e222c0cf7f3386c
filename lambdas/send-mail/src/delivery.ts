import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type { Mail } from './messages';
import type { MailStore } from './store';

export interface DeliveryCounts {
  sent: number;
  skipped: number;
  failed: number;
}

/** SMTP replies 5xx: the server will never take this message (bad address, too big…). */
const isPermanent = (error: unknown) => {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500;
};

/**
 * Sends mail exactly once per (fact, recipient) as far as a record can make it: the record is
 * claimed before the SMTP call and marked after it; the Message-ID is derived from the pair, so
 * the one remaining duplicate (a crash between the server's acceptance and the mark) carries the
 * same Message-ID as the first copy. A server that is down is retried a few times here, then the
 * error is thrown for the event source to retry the batch with a longer back-off; a message the
 * server refuses for good is recorded as failed and the others go on.
 */
export class Delivery {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly store: MailStore,
    private readonly retryDelaysMs = [250, 1_000],
  ) {
    this.transport = createTransport(smtpUrl, {
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 15_000,
    });
  }

  messageId(factId: string, recipient: string): string {
    const digest = createHash('sha256').update(`${factId}\n${recipient}`).digest('hex');
    const domain = /@([^>\s]+)>?\s*$/.exec(this.from)?.[1] ?? 'ko-ticket-master.invalid';
    return `<${digest.slice(0, 32)}@${domain}>`;
  }

  async deliver(factId: string, mail: Mail, counts: DeliveryCounts): Promise<void> {
    const recipient = mail.to.trim().toLowerCase();
    const messageId = this.messageId(factId, recipient);
    const claim = await this.store.claim(factId, recipient, mail.kind, messageId);
    if (claim === 'done') {
      counts.skipped += 1;
      return;
    }
    if (claim === 'busy')
      throw new Error(`Another invocation is sending ${mail.kind} of ${factId}; retry later.`);
    if (mail.unsendable) {
      await this.store.markFailed(factId, recipient, mail.unsendable);
      counts.failed += 1;
      return;
    }
    const attachments = mail.attachments ? await mail.attachments() : [];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.transport.sendMail({
          from: this.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId,
          headers: { 'X-KO-Fact': factId, 'X-KO-Mail-Kind': mail.kind },
          attachments,
        });
        break;
      } catch (error) {
        if (isPermanent(error)) {
          await this.store.markFailed(factId, recipient, (error as Error).message);
          counts.failed += 1;
          return;
        }
        if (attempt >= this.retryDelaysMs.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.retryDelaysMs[attempt]));
      }
    }
    await this.store.markSent(factId, recipient);
    counts.sent += 1;
  }

  close(): void {
    this.transport.close();
  }
}
