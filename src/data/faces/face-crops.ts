/**
 * The ingest's side of the 'faces' crop: photos give 0..N crops each, so the set cannot be
 * pre-sized from the zip's directory as it is for one image per entry. Each photo's crops are
 * kept (in their slot, i.e. zip order, since decodes finish out of order) and joined once at
 * the end into one store. Peak memory ≈ twice the crops for that moment; each crop is small
 * (12 KB at 64 px RGB), and the photos themselves are never held.
 */

/** Per-photo crops in zip order. */
export interface FaceCropStore {
  /** Records photo `slot`'s crops (count · imageLength bytes); once per slot. */
  add(slot: number, pixels: Uint8Array): void;
  /**
   * Every crop in one store, photo by photo in zip order, and for each crop the slot of its
   * photo. `allocate` makes the store (so the caller's out-of-memory message applies).
   */
  join(allocate: (images: number) => Uint8Array): { store: Uint8Array; photoOf: Uint32Array };
}

export function createFaceCropStore(photoSlots: number, imageLength: number): FaceCropStore {
  const crops: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(photoSlots);
  let images = 0;
  return {
    add(slot, pixels) {
      if (pixels.length === 0) return;
      if (pixels.length % imageLength !== 0) throw new Error(`face crops of ${pixels.length} bytes are not whole ${imageLength}-byte images`);
      crops[slot] = pixels;
      images += pixels.length / imageLength;
    },
    join(allocate) {
      const store = allocate(images);
      const photoOf = new Uint32Array(images);
      let image = 0;
      crops.forEach((pixels, slot) => {
        if (!pixels) return;
        store.set(pixels, image * imageLength);
        const count = pixels.length / imageLength;
        photoOf.fill(slot, image, image + count);
        image += count;
        crops[slot] = undefined; // let each photo's crops go as soon as they are copied
      });
      return { store, photoOf };
    },
  };
}
