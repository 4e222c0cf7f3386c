/** Hands `blob` to the browser as a file download named `filename`. */
export function downloadFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers still read the URL after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
