/** Virtio's step-result schema, where adapters/ has always exported it (core/virtio/step-schema.ts). */
export { EffectSchema, StepResultSchema } from '../core/virtio/step-schema.ts';
