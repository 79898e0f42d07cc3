/** A configured driver cannot work here: the start stops with this message (it names the key). */
export class DriverError extends Error {
  override readonly name = 'DriverError';
}
