// Types for eslint.layers.js, so that test/lint/layers.test.ts reads the table it checks.
export declare const LAYERS: Readonly<Record<string, readonly string[]>>;
export declare function layerRules(): object[];
