// Order.pdf: the order's tickets as one PDF (rendered by the render-tickets lambda), downloaded.
import { useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../gql';
import { describeError, type ErrorLike } from '../lib/errors';

const OrderPdfDocument = graphql(`
  query OrderPdf($id: ID!) {
    order(id: $id) {
      id
      pdf
    }
  }
`);

function download(base64: string, filename: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

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
    if (pdf) download(pdf, `tickets-${orderId.slice(0, 8)}.pdf`);
    else
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
