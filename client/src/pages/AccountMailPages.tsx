import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { ErrorNotice, Loading, Notice, useTitle } from '../components/common';
import { useSession } from '../session/session';

// The pages a mailed link (or "Forgot password?") leads to.

const RequestResetDocument = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

const ResetPasswordDocument = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      token
      user {
        id
      }
    }
  }
`);

const VerifyEmailDocument = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      id
      emailVerified
    }
  }
`);

export function ForgotPasswordPage() {
  useTitle('Forgot password');
  const [email, setEmail] = useState('');
  const [result, request] = useMutation(RequestResetDocument);
  const id = useId();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    await request({ email: email.trim() });
  };
  return (
    <section className="auth-card card">
      <h1>Forgot your password?</h1>
      {result.data?.requestPasswordReset ? (
        <Notice kind="success">
          If an account uses {email.trim()}, we have mailed it a link to choose a new password. The
          link works once, for 30 minutes.
        </Notice>
      ) : (
        <form onSubmit={onSubmit} className="form">
          <p className="muted">Enter your email and we will mail you a link to choose a new one.</p>
          <div className="field">
            <label htmlFor={id}>Email</label>
            <input
              id={id}
              name="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <ErrorNotice error={result.error} />
          <button type="submit" className="button button-wide" disabled={result.fetching}>
            {result.fetching ? 'Please wait…' : 'Mail me a link'}
          </button>
        </form>
      )}
      <p className="muted auth-switch">
        <Link to="/signin">Back to sign in</Link>
      </p>
    </section>
  );
}

export function ResetPasswordPage() {
  useTitle('Choose a new password');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const { signIn } = useSession();
  const [password, setPassword] = useState('');
  const [result, reset] = useMutation(ResetPasswordDocument);
  const ids = { password: useId(), hint: useId() };
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const outcome = await reset({ token, newPassword: password });
    if (outcome.data?.resetPassword) {
      signIn(outcome.data.resetPassword.token);
      navigate('/', { replace: true });
    }
  };
  return (
    <section className="auth-card card">
      <h1>Choose a new password</h1>
      {!token ? (
        <Notice kind="warning">
          This page needs the link from your mail. <Link to="/forgot-password">Ask for one</Link>.
        </Notice>
      ) : (
        <form onSubmit={onSubmit} className="form">
          <div className="field">
            <label htmlFor={ids.password}>New password</label>
            <input
              id={ids.password}
              name="password"
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              aria-describedby={ids.hint}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <small id={ids.hint} className="hint">
              At least 8 characters. Your other sessions will be signed out.
            </small>
          </div>
          <ErrorNotice error={result.error} />
          <button type="submit" className="button button-wide" disabled={result.fetching}>
            {result.fetching ? 'Please wait…' : 'Set password and sign in'}
          </button>
        </form>
      )}
      <p className="muted auth-switch">
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </section>
  );
}

export function VerifyEmailPage() {
  useTitle('Verify your email');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [result, verify] = useMutation(VerifyEmailDocument);
  const sent = useRef(false);
  // Once: the link works once, and a second render must not use it again.
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      void verify({ token });
    }
  }, [token, verify]);
  return (
    <section className="auth-card card">
      <h1>Verify your email</h1>
      {!token ? (
        <Notice kind="warning">This page needs the link from your welcome mail.</Notice>
      ) : result.data?.verifyEmail.emailVerified ? (
        <Notice kind="success">Thank you: your email address is verified.</Notice>
      ) : result.error ? (
        <ErrorNotice error={result.error} />
      ) : (
        <Loading label="Verifying…" />
      )}
      <p className="muted auth-switch">
        <Link to="/">Browse events</Link>
      </p>
    </section>
  );
}
