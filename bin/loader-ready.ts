// Imported once by register.js so that tsx's loader thread has started (and fixed its temp dir).
export const loaderReady = true;
