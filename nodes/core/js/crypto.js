/*
 * Node's `crypto` module for function code that names it in `libs`: createHash, createHmac,
 * pbkdf2, pbkdf2Sync, randomBytes, randomUUID, randomInt, getRandomValues, timingSafeEqual, getHashes. Arguments are
 * checked here with Node's error objects and texts; the computing is done by the host
 * (nodes/core/_js_crypto.py: hashlib, hmac, secrets), bytes crossing as base64 text, one call per
 * digest. Evaluated after buffer_numbers.js; defines `__fe_crypto(host)`, which makes the module
 * for one realm (`host` is that realm's bridge into Python).
 */
(function () {
  "use strict";

  const internals = globalThis.__nrBufferCodec;
  const { nodeError, argType, outOfRange } = internals.errors;
  const Buffer = internals.Buffer;
  const RAND_MAX = 0xffffffffffff; // randomInt's largest range (2^48 - 1), as in Node
  const MAX_INT32 = 2147483647;

  /** An error raised by Node's native layer: a `code`, but String(err) without it. */
  function nativeError(Base, code, message) {
    const err = new Base(message);
    if (code) err.code = code;
    return err;
  }

  // A value's kind by its internal slots, not `instanceof`: the user's code makes its typed arrays
  // in its own realm, whose constructors are not this (main) realm's.
  const kindOf = (value) => Object.prototype.toString.call(value).slice(8, -1);
  const isArrayBuffer = (value) => kindOf(value) === "ArrayBuffer";
  const INTEGER_ARRAYS = new Set(["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
    "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"]);

  function bytesOf(value) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  function base64Of(chunks) {
    if (chunks.length === 1) return chunks[0].toBase64();
    return Buffer.concat(chunks).toBase64();
  }

  globalThis.__fe_crypto = function (host) {
    const call = (op, ...args) => host("crypto", op, ...args);
    let hashes = null;
    const hashNames = () => hashes || (hashes = JSON.parse(call("hashes")));
    const known = (name) => hashNames().some((n) => n.toLowerCase() === name.toLowerCase());

    /** The bytes an update() hashes: a string in its encoding (utf8 unless known), or a view's bytes. */
    function dataBytes(data, encoding) {
      if (typeof data === "string") {
        return Buffer.from(data, typeof encoding === "string" && Buffer.isEncoding(encoding) ? encoding : "utf8");
      }
      if (ArrayBuffer.isView(data)) return Uint8Array.from(bytesOf(data)); // copied: later changes do not count
      throw argType("data", "of type string or an instance of Buffer, TypedArray, or DataView", data);
    }

    function output(bytes, encoding) {
      if (!encoding || encoding === "buffer") return bytes;
      return bytes.toString(typeof encoding === "string" && Buffer.isEncoding(encoding) ? encoding : "utf8");
    }

    /** Hash and Hmac: the data is kept until digest(), which makes the one host call. */
    class Digest {
      #algorithm;
      #key;
      #chunks = [];
      #finalized = false;

      constructor(algorithm, key) {
        this.#algorithm = algorithm;
        this.#key = key;
      }

      update(data, inputEncoding) {
        if (this.#finalized) throw nodeError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
        this.#chunks.push(dataBytes(data, inputEncoding));
        return this;
      }

      digest(outputEncoding) {
        if (this.#finalized) {
          // Node's Hmac answers an empty result the second time; a Hash throws
          if (this.#key !== null) return output(Buffer.alloc(0), outputEncoding);
          throw nodeError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
        }
        this.#finalized = true;
        const data = this.#chunks.length ? base64Of(this.#chunks) : "";
        this.#chunks = [];
        const result = this.#key === null ? call("hash", this.#algorithm, data)
          : call("hmac", this.#algorithm, this.#key, data);
        return output(Buffer.from(result, "base64"), outputEncoding);
      }

      copy() {
        if (this.#finalized) throw nodeError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
        const twin = new Hash(this.#algorithm, null);
        for (const chunk of this.#chunks) twin.update(chunk);
        return twin;
      }
    }
    class Hash extends Digest {}
    class Hmac extends Digest {}
    Object.defineProperty(Hmac.prototype, "copy", { value: undefined }); // Node's Hmac has no copy()

    function createHash(algorithm) {
      if (typeof algorithm !== "string") throw argType("algorithm", "of type string", algorithm);
      if (!known(algorithm)) throw nativeError(Error, undefined, "Digest method not supported");
      return new Hash(algorithm, null);
    }

    function createHmac(hmac, key) {
      if (typeof hmac !== "string") throw argType("hmac", "of type string", hmac);
      let keyBytes;
      if (typeof key === "string") keyBytes = Buffer.from(key, "utf8");
      else if (ArrayBuffer.isView(key)) keyBytes = bytesOf(key);
      else if (isArrayBuffer(key)) keyBytes = new Uint8Array(key);
      else {
        throw argType("key", "of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, "
          + "KeyObject, or CryptoKey", key);
      }
      if (!known(hmac) || /^shake/i.test(hmac)) {
        throw nativeError(TypeError, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${hmac}`);
      }
      return new Hmac(hmac, keyBytes.length ? bytesOf(keyBytes).toBase64() : "");
    }

    /** A password or salt: a string (utf8), a view's bytes or an ArrayBuffer's. */
    function keyMaterial(value, name) {
      if (typeof value === "string") return Buffer.from(value, "utf8");
      if (ArrayBuffer.isView(value)) return bytesOf(value);
      if (isArrayBuffer(value)) return new Uint8Array(value);
      throw argType(name, "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView", value);
    }

    function validateInt32(value, name, min) {
      if (typeof value !== "number") throw argType(name, "of type number", value);
      if (!Number.isInteger(value)) throw outOfRange(name, "an integer", value);
      if (value < min || value > MAX_INT32) throw outOfRange(name, `>= ${min} && <= ${MAX_INT32}`, value);
    }

    function pbkdf2Key(password, salt, iterations, keylen, digest) {
      if (typeof digest !== "string") throw argType("digest", "of type string", digest);
      const pw = keyMaterial(password, "password");
      const s = keyMaterial(salt, "salt");
      validateInt32(iterations, "iterations", 1);
      validateInt32(keylen, "keylen", 0);
      return [pw, s];
    }

    function pbkdf2Derive(pw, s, iterations, keylen, digest) {
      if (!known(digest) || /^shake/i.test(digest)) {
        throw nativeError(TypeError, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${digest}`);
      }
      if (keylen === 0) return Buffer.alloc(0);
      const b64 = (bytes) => bytes.length ? bytesOf(bytes).toBase64() : "";
      return Buffer.from(call("pbkdf2", digest, b64(pw), b64(s), iterations, keylen), "base64");
    }

    function pbkdf2Sync(password, salt, iterations, keylen, digest) {
      const [pw, s] = pbkdf2Key(password, salt, iterations, keylen, digest);
      return pbkdf2Derive(pw, s, iterations, keylen, digest);
    }

    function pbkdf2(password, salt, iterations, keylen, digest, callback) {
      if (typeof digest === "function") {
        callback = digest;
        digest = undefined;
      }
      const [pw, s] = pbkdf2Key(password, salt, iterations, keylen, digest);
      if (typeof callback !== "function") throw argType("callback", "of type function", callback);
      later(callback, null, pbkdf2Derive(pw, s, iterations, keylen, digest)); // an unknown digest throws, as in Node
      return undefined;
    }

    function later(callback, ...args) {
      Promise.resolve().then(() => callback(...args));
    }

    function checkCallback(callback) {
      if (callback !== undefined && typeof callback !== "function") {
        throw argType("callback", "of type function", callback);
      }
    }

    function randomBytes(size, callback) {
      if (typeof size !== "number") throw argType("size", "of type number", size);
      if (!(size >= 0 && size <= MAX_INT32)) throw outOfRange("size", `>= 0 && <= ${MAX_INT32}`, size);
      checkCallback(callback);
      const n = Math.floor(size);
      const buf = n ? Buffer.from(call("random", n), "base64") : Buffer.alloc(0);
      if (callback === undefined) return buf;
      later(callback, null, buf);
      return undefined;
    }

    function randomInt(min, max, callback) {
      const minNotSpecified = max === undefined || typeof max === "function";
      if (minNotSpecified) {
        callback = max;
        max = min;
        min = 0;
      }
      checkCallback(callback);
      if (!Number.isSafeInteger(min)) throw argType("min", "a safe integer", min);
      if (!Number.isSafeInteger(max)) throw argType("max", "a safe integer", max);
      if (max <= min) throw outOfRange("max", `greater than the value of "min" (${min})`, max);
      const range = max - min;
      if (!(range <= RAND_MAX)) throw outOfRange(minNotSpecified ? "max" : "max - min", `<= ${RAND_MAX}`, range);
      const n = call("int", min, max);
      if (callback === undefined) return n;
      later(callback, null, n);
      return undefined;
    }

    function randomUUID(options) {
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw argType("options", "of type object", options);
      }
      return call("uuid");
    }

    function getRandomValues(data) {
      if (!INTEGER_ARRAYS.has(kindOf(data))) {
        const err = new TypeError("The data argument must be an integer-type TypedArray");
        err.code = 17;
        err.name = "TypeMismatchError";
        throw err;
      }
      if (data.byteLength > 65536) {
        const err = new Error(`The ArrayBufferView's byte length (${data.byteLength}) exceeds the number of bytes `
          + "of entropy available via this API (65536)");
        err.name = "QuotaExceededError";
        err.code = 22;
        throw err;
      }
      if (data.byteLength) bytesOf(data).set(Buffer.from(call("random", data.byteLength), "base64"));
      return data;
    }

    function timingSafeEqual(buf1, buf2) {
      const views = [buf1, buf2].map((value, i) => {
        if (ArrayBuffer.isView(value)) return bytesOf(value);
        if (isArrayBuffer(value)) return new Uint8Array(value);
        throw nativeError(TypeError, "ERR_INVALID_ARG_TYPE",
          `The "buf${i + 1}" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView.`);
      });
      if (views[0].byteLength !== views[1].byteLength) {
        throw nativeError(RangeError, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length");
      }
      return call("equal", views[0].toBase64(), views[1].toBase64());
    }

    return {
      createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, randomInt, randomUUID, getRandomValues, timingSafeEqual,
      getHashes: () => hashNames().slice(),
      Hash, Hmac,
    };
  };
})();
