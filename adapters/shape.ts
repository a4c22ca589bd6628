/**
 * The shape checks of a user's answers, where adapters/ has always exported them: the pieces
 * every family shares (core/shape.ts) and virtio's hand-written observation walk
 * (core/virtio/observation-shape.ts). A family's own checks are its `shape` (properties/family.ts).
 */
export { describeValue, Problems } from '../core/shape.ts';
export { observationProblems } from '../core/virtio/observation-shape.ts';
