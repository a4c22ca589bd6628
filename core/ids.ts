/**
 * Branded ids: the three kinds of number that a balloon protocol talks about. Mixing them is a
 * compile error (`const f: Frame = gpfn` does not type-check), which is the point: the classic
 * balloon bug is handing the host the wrong kind of page number.
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Index of a guest in the system configuration (0-based). */
export type GuestId = Brand<number, 'GuestId'>;
/** Guest page frame number, always in 4 KiB units (virtio counts in 4 KiB whatever the guest page size). */
export type Gpfn = Brand<number, 'Gpfn'>;
/** Host physical frame (mfn), 4 KiB. */
export type Frame = Brand<number, 'Frame'>;

export const guestId = (n: number): GuestId => n as GuestId;
export const gpfn = (n: number): Gpfn => n as Gpfn;
export const frame = (n: number): Frame => n as Frame;

/** 4 KiB: the unit of gpfns and frames. */
export const PAGE_BYTES = 4096;
