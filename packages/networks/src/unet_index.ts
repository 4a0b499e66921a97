// The U-Net and its building blocks; re-exported from index.ts.
export { unet, unetPresets, unetResampleNames } from './unet.js';
export type { UNetOptions, UNetArchitecture, UNetField, UNetResample, ResolvedUNetOptions } from './unet.js';
export { conv2dSame, convGradInput, convGradFilter, samePadding, rowSum } from './conv.js';
export { groupNorm } from './group_norm.js';
export type { GroupNorm } from './group_norm.js';
export { normSiluConv } from './norm_silu_conv.js';
export type { NormSiluConv } from './norm_silu_conv.js';
export { pointwise } from './pointwise.js';
export { selfAttention, batchMatMul } from './attention.js';
export type { AttentionWeights } from './attention.js';
export { upsampleNearest2x, avgPool2x } from './resample.js';
export { sinusoidalEmbedding } from './time_embedding.js';
