import { useEffect, useState } from 'react';
import QRCode from 'qrcode';

/** A ticket's signed code as a QR image, drawn in the browser (the code never leaves it). */
export function QrCode({
  value,
  label,
  size = 160,
}: {
  value: string;
  label: string;
  size?: number;
}) {
  const [src, setSrc] = useState<string | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let active = true;
    QRCode.toDataURL(value, { errorCorrectionLevel: 'M', margin: 1, width: size * 2 })
      .then((url) => active && setSrc(url))
      .catch(() => active && setFailed(true));
    return () => {
      active = false;
    };
  }, [value, size]);
  if (failed) return <p className="muted">QR code unavailable: show the code below at the door.</p>;
  if (!src)
    return (
      <div className="qr-placeholder" style={{ width: size, height: size }} aria-hidden="true" />
    );
  return (
    <img className="qr" src={src} width={size} height={size} alt={label} data-testid="ticket-qr" />
  );
}
