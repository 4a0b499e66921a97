/** The version of the tfjs-core whose gradients get bundled. */
export declare function tfjsCoreVersion(): string;
/** Bundles tfjs-core's gradient registrations into one self-contained ES module at `outfile`. */
export declare function bundleTfjsGradients(outfile: string): Promise<{ bytes: number }>;
