// Order.pdf: the order's tickets as one PDF (rendered by the render-tickets lambda), downloaded.
import { useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../gql';
import { downloadFile } from '../lib/download';
import { describeError, type ErrorLike } from '../lib/errors';

const OrderPdfDocument = graphql(`
  query OrderPdf($id: ID!) {
    order(id: $id) {
      id
      pdf
    }
  }
`);

export function OrderPdfButton({ orderId }: { orderId: string }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();
  const onClick = async () => {
    setBusy(true);
    setFailure(undefined);
    // Rendered on request by a lambda: asked for one order at a time, and never cached.
    const result = await client
      .query(OrderPdfDocument, { id: orderId }, { requestPolicy: 'network-only' })
      .toPromise();
    setBusy(false);
    const pdf = result.data?.order?.pdf;
    if (pdf) {
      const bytes = Uint8Array.from(atob(pdf), (c) => c.charCodeAt(0));
      downloadFile(
        new Blob([bytes], { type: 'application/pdf' }),
        `tickets-${orderId.slice(0, 8)}.pdf`,
      );
    } else
      setFailure(
        result.error
          ? describeError(result.error as ErrorLike)
          : 'The PDF is not ready yet. Try again in a moment.',
      );
  };
  return (
    <>
      <button
        type="button"
        className="button button-ghost button-small"
        disabled={busy}
        onClick={() => void onClick()}
        aria-label={`Download PDF of order ${orderId.slice(0, 8).toUpperCase()}`}
      >
        {busy ? 'Preparing…' : 'Download PDF'}
      </button>
      {failure && (
        <span className="field-error" role="alert">
          {failure}
        </span>
      )}
    </>
  );
}
