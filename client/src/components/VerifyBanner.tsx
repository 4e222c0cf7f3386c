import { useMutation } from 'urql';
import { graphql } from '../gql';
import { useSession } from '../session/session';
import { ErrorNotice } from './common';

const ResendDocument = graphql(`
  mutation ResendVerificationEmail {
    resendVerificationEmail
  }
`);

/** Shown to a signed-in user until their address is verified, with "Resend". */
export function VerifyBanner() {
  const { viewer } = useSession();
  const [result, resend] = useMutation(ResendDocument);
  if (!viewer || viewer.emailVerified) return null;
  return (
    <div className="notice notice-warning verify-banner" role="status">
      <span>
        Please verify your email address: follow the link we mailed to {viewer.email}.
        {result.data?.resendVerificationEmail && ' We have sent a new link.'}
      </span>
      {/* Named apart from "Send" (the chat's button): pages are searched by accessible name. */}
      <button
        type="button"
        className="button button-small"
        disabled={result.fetching}
        onClick={() => void resend({})}
      >
        {result.fetching ? 'Mailing…' : 'Mail me a new link'}
      </button>
      <ErrorNotice error={result.error} />
    </div>
  );
}
