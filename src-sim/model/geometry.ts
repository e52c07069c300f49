/**
 * The model's fixed geometry, in the floor everything else builds on: one page size (4 KiB), a PTE-table page
 * covering REGION_PAGES pages, and x86's number of dynamic ASID slots (cpu_tlbstate.ctxs[], TLB_NR_DYN_ASIDS in
 * arch/x86/include/asm/tlbflush.h), which the initial state needs to lay out.
 */
export const PAGE_SHIFT = 12;
export const REGION_PAGES = 512;
export const TLB_NR_DYN_ASIDS = 6;

/** The PTE-table region a virtual page number falls in. */
export const regionOf = (vpn: number): number => Math.floor(vpn / REGION_PAGES);

/** A virtual page number as an address: 0x400 -> `0x400000`. */
export function hex(vpn: number): string {
  return '0x' + (vpn * 2 ** PAGE_SHIFT).toString(16);
}
