import QRCode from 'qrcode';

// A ticket's QR code as the page draws it, against the modules the code should have.

/** A QR code's modules as '1'/'0' rows, as the qrcode package lays them out. */
export function qrBits(code: string): { size: number; bits: string } {
  const { modules } = QRCode.create(code, { errorCorrectionLevel: 'M' });
  let bits = '';
  for (let row = 0; row < modules.size; row++)
    for (let col = 0; col < modules.size; col++) bits += modules.get(row, col) ? '1' : '0';
  return { size: modules.size, bits };
}

/** Runs in the page: samples the centre of every module of each QR <img> (drawn with a 1-module margin). */
export function readQrImages(images: Element[], size: number): string[] {
  return images.map((element) => {
    const img = element as HTMLImageElement;
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(img, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const scale = canvas.width / (size + 2);
    let bits = '';
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        const x = Math.floor((col + 1.5) * scale);
        const y = Math.floor((row + 1.5) * scale);
        bits += pixels[(y * canvas.width + x) * 4]! < 128 ? '1' : '0';
      }
    }
    return bits;
  });
}
