import { forbidden, requireViewer, type ServiceClient, type Viewer } from '@ko/platform';

const ME = '{ me { emailVerified } }';

/**
 * REQUIRE_VERIFIED_EMAIL, an anti-scalping measure: with it on, only accounts whose address was
 * proven (by following a mailed link) may reserve or buy, so every bot account costs a working
 * mailbox. The users service is asked with the buyer's own token at each sale, so a link
 * followed a moment ago counts at once. Off (the default), nothing is asked.
 */
export class VerifiedBuyers {
  constructor(private readonly users: Pick<ServiceClient, 'query'> | undefined) {}

  async check(viewer: Viewer | null, authorization: string | undefined): Promise<void> {
    if (!this.users) return;
    requireViewer(viewer);
    const data = await this.users.query<{ me: { emailVerified: boolean } | null }>(
      ME,
      {},
      authorization,
    );
    if (!data.me?.emailVerified)
      throw forbidden(
        'Verify your email address before buying tickets: follow the link in the mail we sent you, or ask for a new one with "Resend".',
      );
  }
}
