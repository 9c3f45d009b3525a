/**
 * laminar: Keras-style deep learning for TypeScript.
 *
 * @module
 */
export * from './engine/index.js';
