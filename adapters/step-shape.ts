/** Virtio's step-result shape check, where adapters/ has always exported it (core/virtio/step-shape.ts). */
export { stepResultProblems } from '../core/virtio/step-shape.ts';
