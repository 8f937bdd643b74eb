export const launcher = undefined as never;
