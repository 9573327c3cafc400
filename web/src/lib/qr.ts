/** The smallest PNG side the QR code is drawn at: big enough to print sharply on a badge or a banner. */
const MIN_PNG_SIDE = 1024;

/**
 * The QR code's SVG drawn into a PNG, in the browser (the API serves SVG only). The side is a whole
 * multiple of the SVG's own size, so every module stays a sharp square of whole pixels.
 */
export async function qrPng(svg: string): Promise<Blob> {
  const side = Number(/viewBox="0 0 (\d+(?:\.\d+)?) /.exec(svg)?.[1] ?? 256);
  const size = Math.ceil(MIN_PNG_SIDE / side) * side;
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  try {
    const image = new Image(size, size);
    image.src = url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const context = canvas.getContext("2d");
    if (!context) throw new Error("This browser cannot draw a PNG");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, size, size);
    context.drawImage(image, 0, 0, size, size);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((png) => (png ? resolve(png) : reject(new Error("This browser cannot draw a PNG"))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
