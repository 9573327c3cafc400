import { describe, expect, it } from "vitest";
import { uuidv4, uuidv7 } from "../src/lib/ids";

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("ids from the random pool", () => {
  it("never hands out the same bytes twice, across many refills of the pool", () => {
    // 4 KiB a refill is 256 ids: 3,000 of each kind draw it anew more than twenty times.
    const v4 = Array.from({ length: 3000 }, () => uuidv4());
    const v7 = Array.from({ length: 3000 }, () => uuidv7(1_700_000_000_000));
    expect(v4.every((id) => V4.test(id))).toBe(true);
    expect(v7.every((id) => V7.test(id))).toBe(true);
    expect(new Set(v4).size).toBe(3000);
    // The same millisecond for all: only the random part tells them apart.
    expect(new Set(v7.map((id) => id.slice(14))).size).toBe(3000);
  });

  it("puts the millisecond first in a v7, so later ids sort after earlier ones", () => {
    const earlier = uuidv7(1_700_000_000_000);
    const later = uuidv7(1_700_000_000_001);
    expect(earlier.slice(0, 13)).toBe("018bcfe5-6800");
    expect(later.slice(0, 13)).toBe("018bcfe5-6801");
    expect(earlier < later).toBe(true);
  });
});
