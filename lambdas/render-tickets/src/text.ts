/**
 * The PDF uses the standard 14 fonts (Helvetica, Courier), which nothing has to embed but which
 * only know the WinAnsi (Windows-1252) character set: anything else would print as garbage.
 * `toWinAnsi` keeps what the fonts can print, strips accents the fonts lack (ř → r, ł stays ?),
 * and puts `?` for the rest, so a page never shows mojibake.
 */
const CP1252_EXTRAS = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';

function printable(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || CP1252_EXTRAS.includes(ch);
}

export function toWinAnsi(value: string): string {
  let out = '';
  for (const ch of value) {
    if (printable(ch)) {
      out += ch;
      continue;
    }
    if (ch === '\n' || ch === '\t') {
      out += ' ';
      continue;
    }
    const base = [...ch.normalize('NFKD')].filter(printable).join('');
    out += base || '?';
  }
  return out;
}
