// snappyjs ships no type declarations; these are the two functions the receivers and remote write use.
declare module 'snappyjs' {
  /** Block-format decompression; throws when the stream is invalid or longer than maxLength. */
  export function uncompress<T extends Uint8Array>(compressed: T, maxLength?: number): T;
  export function compress<T extends Uint8Array>(uncompressed: T): T;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
}
