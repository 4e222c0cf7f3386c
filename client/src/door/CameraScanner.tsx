import { useEffect, useRef, useState } from 'react';
import jsQR from 'jsqr';

/** The Barcode Detection API, where the browser has it (not yet in TypeScript's DOM types). */
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>>;
}
type BarcodeDetectorConstructor = new (options: { formats: string[] }) => BarcodeDetectorLike;

/** How often a frame is read: often enough to feel instant, rarely enough to spare a phone. */
const FRAME_INTERVAL_MS = 200;

function nativeDetector(): BarcodeDetectorLike | null {
  const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorConstructor })
    .BarcodeDetector;
  try {
    return Detector ? new Detector({ formats: ['qr_code'] }) : null;
  } catch {
    return null; // present but without QR support
  }
}

/**
 * The device's camera reading QR codes: the browser's BarcodeDetector where it has one, jsQR
 * (a maintained pure-JavaScript decoder) otherwise. Calls `onCode` for each code read.
 */
export function CameraScanner({ onCode }: { onCode: (code: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [on, setOn] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const latest = useRef(onCode);
  latest.current = onCode;

  useEffect(() => {
    if (!on) return;
    let stream: MediaStream | null = null;
    let timer: number | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const detector = nativeDetector();

    const read = async () => {
      const element = video.current;
      if (stopped || !element) return;
      if (element.readyState >= element.HAVE_ENOUGH_DATA && element.videoWidth) {
        canvas.width = element.videoWidth;
        canvas.height = element.videoHeight;
        const context = canvas.getContext('2d', { willReadFrequently: true });
        context?.drawImage(element, 0, 0);
        let code: string | undefined;
        if (detector) code = (await detector.detect(canvas).catch(() => []))[0]?.rawValue;
        else if (context) {
          const image = context.getImageData(0, 0, canvas.width, canvas.height);
          code = jsQR(image.data, image.width, image.height)?.data;
        }
        if (code && !stopped) latest.current(code);
      }
      if (!stopped) timer = window.setTimeout(() => void read(), FRAME_INTERVAL_MS);
    };

    navigator.mediaDevices
      ?.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then((media) => {
        stream = media;
        if (stopped || !video.current) return media.getTracks().forEach((t) => t.stop());
        video.current.srcObject = media;
        void video.current.play().catch(() => undefined);
        void read();
      })
      .catch(() => {
        setProblem('The camera is not available here: type the code in instead.');
        setOn(false);
      });
    if (!navigator.mediaDevices) {
      setProblem('This browser cannot use a camera here: type the code in instead.');
      setOn(false);
    }
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [on]);

  return (
    <div className="door-camera">
      <button type="button" className="button" onClick={() => setOn((v) => !v)}>
        {on ? 'Stop the camera' : 'Scan with the camera'}
      </button>
      {problem && <p className="muted">{problem}</p>}
      {on && <video ref={video} className="door-video" muted playsInline aria-label="Camera" />}
    </div>
  );
}
