// Placeholder: this layer has no public exports yet.
export {};
