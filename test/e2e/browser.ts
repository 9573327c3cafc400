import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * The path of a Debian tool a test drives (`override` first). A machine without it fails the test
 * with the package to install: a test never skips silently.
 */
export function requireTool(binary: string, debianPackage: string, override?: string): string {
  const candidates = override ? [override] : ["/usr/bin", "/usr/local/bin"].map((dir) => `${dir}/${binary}`);
  const found = candidates.find(existsSync);
  if (!found) {
    throw new Error(
      `${binary} not found at ${candidates.join(" or ")}: install Debian's "${debianPackage}" package (apt-get install ${debianPackage})`,
    );
  }
  return found;
}

/** Debian's Chromium (or CHROMIUM_PATH), headless. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireTool("chromium", "chromium", process.env.CHROMIUM_PATH),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
