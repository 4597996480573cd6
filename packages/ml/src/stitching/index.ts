// SN-Net v1/v2 stitching (being built).
export {};
