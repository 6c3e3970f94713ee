/*
 * The number read/write methods of Buffer.prototype (readUInt16BE, writeFloatLE, readBigInt64LE,
 * readUIntLE(offset, byteLength), ...), with Node's range checks and error texts, plus the
 * lowercase "Uint" aliases Node also has. Evaluated after buffer.js.
 */
(function () {
  "use strict";

  const internals = globalThis.__nrBufferCodec;
  const { outOfRange, outOfBounds, argType, validateNumber } = internals.errors;
  const proto = internals.Buffer.prototype;
  const scratch = new DataView(new ArrayBuffer(8));

  /** Node's boundsError: a non-integer offset, a too-short buffer, or an offset out of range. */
  function boundsError(value, length, name) {
    if (Math.floor(value) !== value) {
      validateNumber(value, name || "offset");
      throw outOfRange(name || "offset", "an integer", value);
    }
    if (length < 0) throw outOfBounds();
    throw outOfRange(name || "offset", `>= ${name ? 1 : 0} and <= ${length}`, value);
  }

  function checkBounds(buf, offset, size) {
    validateNumber(offset, "offset");
    if (buf[offset] === undefined || buf[offset + size - 1] === undefined) boundsError(offset, buf.length - size);
  }

  function checkByteLength(byteLength) {
    if (byteLength === undefined) throw argType("byteLength", "of type number", byteLength);
    if (!(byteLength >= 1 && byteLength <= 6) || Math.floor(byteLength) !== byteLength) boundsError(byteLength, 6, "byteLength");
  }

  function readUnsigned(buf, offset, size, little) {
    let value = 0;
    if (little) for (let i = size - 1; i >= 0; i--) value = value * 256 + buf[offset + i];
    else for (let i = 0; i < size; i++) value = value * 256 + buf[offset + i];
    return value;
  }

  function toSigned(value, size) {
    const half = 2 ** (size * 8 - 1);
    return value >= half ? value - 2 * half : value;
  }

  function writeBytes(buf, value, offset, size, little) {
    let v = Math.trunc(value);
    if (v !== v) v = 0; // NaN writes zeros, as in Node
    if (v < 0) v += 2 ** (size * 8);
    for (let i = 0; i < size; i++) {
      buf[little ? offset + i : offset + size - 1 - i] = v % 256;
      v = Math.floor(v / 256);
    }
    return offset + size;
  }

  function rangeText(min, max, size) {
    if (size <= 4) return `>= ${min} and <= ${max}`;
    const bits = size * 8;
    return min === 0 ? `>= 0 and < 2 ** ${bits}` : `>= -(2 ** ${bits - 1}) and < 2 ** ${bits - 1}`;
  }

  function checkValue(value, min, max, size) {
    if (value > max || value < min) throw outOfRange("value", rangeText(min, max, size), value);
  }

  function define(name, fn) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
    if (name.includes("UInt")) Object.defineProperty(proto, name.replace("UInt", "Uint"), { value: fn, writable: true, configurable: true });
  }

  for (const size of [1, 2, 4]) {
    const bits = size * 8;
    const umax = 2 ** bits - 1, smin = -(2 ** (bits - 1)), smax = 2 ** (bits - 1) - 1;
    for (const order of size === 1 ? [""] : ["LE", "BE"]) {
      const little = order !== "BE";
      define(`readUInt${bits}${order}`, function (offset = 0) {
        checkBounds(this, offset, size);
        return readUnsigned(this, offset, size, little);
      });
      define(`readInt${bits}${order}`, function (offset = 0) {
        checkBounds(this, offset, size);
        return toSigned(readUnsigned(this, offset, size, little), size);
      });
      define(`writeUInt${bits}${order}`, function (value, offset = 0) {
        value = +value;
        checkValue(value, 0, umax, size);
        checkBounds(this, offset, size);
        return writeBytes(this, value, offset, size, little);
      });
      define(`writeInt${bits}${order}`, function (value, offset = 0) {
        value = +value;
        checkValue(value, smin, smax, size);
        checkBounds(this, offset, size);
        return writeBytes(this, value, offset, size, little);
      });
    }
  }

  for (const order of ["LE", "BE"]) {
    const little = order === "LE";
    define(`readUInt${order}`, function (offset, byteLength) {
      checkByteLength(byteLength);
      checkBounds(this, offset, byteLength);
      return readUnsigned(this, offset, byteLength, little);
    });
    define(`readInt${order}`, function (offset, byteLength) {
      checkByteLength(byteLength);
      checkBounds(this, offset, byteLength);
      return toSigned(readUnsigned(this, offset, byteLength, little), byteLength);
    });
    define(`writeUInt${order}`, function (value, offset, byteLength) {
      checkByteLength(byteLength);
      value = +value;
      checkValue(value, 0, 2 ** (byteLength * 8) - 1, byteLength);
      checkBounds(this, offset, byteLength);
      return writeBytes(this, value, offset, byteLength, little);
    });
    define(`writeInt${order}`, function (value, offset, byteLength) {
      checkByteLength(byteLength);
      value = +value;
      const half = 2 ** (byteLength * 8 - 1);
      checkValue(value, -half, half - 1, byteLength);
      checkBounds(this, offset, byteLength);
      return writeBytes(this, value, offset, byteLength, little);
    });
    for (const [kind, size] of [["Float", 4], ["Double", 8]]) {
      define(`read${kind}${order}`, function (offset = 0) {
        checkBounds(this, offset, size);
        for (let i = 0; i < size; i++) scratch.setUint8(i, this[offset + i]);
        return size === 4 ? scratch.getFloat32(0, little) : scratch.getFloat64(0, little);
      });
      define(`write${kind}${order}`, function (value, offset = 0) {
        value = +value;
        checkBounds(this, offset, size);
        if (size === 4) scratch.setFloat32(0, value, little); else scratch.setFloat64(0, value, little);
        for (let i = 0; i < size; i++) this[offset + i] = scratch.getUint8(i);
        return offset + size;
      });
    }
    define(`readBigUInt64${order}`, function (offset = 0) {
      checkBounds(this, offset, 8);
      for (let i = 0; i < 8; i++) scratch.setUint8(i, this[offset + i]);
      return scratch.getBigUint64(0, little);
    });
    define(`readBigInt64${order}`, function (offset = 0) {
      checkBounds(this, offset, 8);
      for (let i = 0; i < 8; i++) scratch.setUint8(i, this[offset + i]);
      return scratch.getBigInt64(0, little);
    });
    for (const [name, min, max, range] of [
      [`writeBigUInt64${order}`, 0n, 2n ** 64n - 1n, ">= 0n and < 2n ** 64n"],
      [`writeBigInt64${order}`, -(2n ** 63n), 2n ** 63n - 1n, ">= -(2n ** 63n) and < 2n ** 63n"],
    ]) {
      define(name, function (value, offset = 0) {
        if (value > max || value < min) throw outOfRange("value", range, value);
        checkBounds(this, offset, 8);
        if (typeof value !== "bigint") throw new TypeError("Cannot mix BigInt and other types, use explicit conversions");
        scratch.setBigUint64(0, BigInt.asUintN(64, value), little);
        for (let i = 0; i < 8; i++) this[offset + i] = scratch.getUint8(i);
        return offset + 8;
      });
    }
  }
})();
