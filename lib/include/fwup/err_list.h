/*
 * The one list of fwup error codes (X-macro).
 *
 * FWUP_ERR(NAME, value, "message") generates enum fwup_err (FWUP_E_NAME = value),
 * fwup_err_name() ("FWUP_E_NAME"), fwup_err_str() and docs/error-codes.md.
 *
 * RULES: values are explicit and are NEVER renumbered or reused (scripts and
 * --json consumers match on them). Add new codes in a free slot of the right
 * range. Values stay below 256 so that the verifier's diag can hold one in a
 * uint8_t.
 *
 * Ranges (classification is a comparison, see fwup_err_class()):
 *     1- 19  API misuse, arguments
 *    20- 39  CBOR not well-formed or not acceptable to a verifier
 *    40- 69  COSE / SUIT structure or semantics
 *    70- 89  authentication (signature, digest, unknown key)
 *    90- 99  policy (sequence number, vendor / class / device id, roles)
 *   100-119  crypto or key-store backend
 *   120-139  I/O
 *   140-149  limits
 *   150-169  JSON description (authoring)
 *   170-189  processing / device (conditions, directives, flash)
 *   250-255  internal
 *
 * This header is included by the freestanding verifier: no includes here.
 */
/* clang-format off */
FWUP_ERR(INVALID_ARG,          1, "invalid argument")
FWUP_ERR(BAD_STATE,            2, "call out of order")
FWUP_ERR(UNSUPPORTED,          3, "operation not supported")

FWUP_ERR(CBOR_TRUNCATED,      20, "CBOR item runs past the end of its input")
FWUP_ERR(CBOR_TYPE,           21, "unexpected CBOR type")
FWUP_ERR(CBOR_MALFORMED,      22, "malformed CBOR (reserved additional information or break)")
FWUP_ERR(CBOR_INDEFINITE,     23, "indefinite length where SUIT requires a definite one")
FWUP_ERR(CBOR_DUPLICATE_KEY,  24, "duplicate key in a map")
FWUP_ERR(CBOR_TRAILING,       25, "trailing bytes after the CBOR item")
FWUP_ERR(CBOR_RANGE,          26, "CBOR integer out of range")
FWUP_ERR(CBOR_TAG,            27, "unexpected or missing CBOR tag")
FWUP_ERR(CBOR_UTF8,           28, "text string is not valid UTF-8")
FWUP_ERR(CBOR_NONCANONICAL,   29, "CBOR head not in shortest form")

FWUP_ERR(SUIT_MISSING,        40, "required SUIT element missing")
FWUP_ERR(SUIT_UNKNOWN_KEY,    41, "unknown key in a SUIT map")
FWUP_ERR(SUIT_VERSION,        42, "unsupported manifest version")
FWUP_ERR(SUIT_BAD_VALUE,      43, "SUIT value not allowed here")
FWUP_ERR(SUIT_UNSUPPORTED_CMD, 44, "unsupported SUIT command")
FWUP_ERR(SUIT_UNSUPPORTED_PARAM, 45, "unsupported SUIT parameter")
FWUP_ERR(SUIT_COMPONENT,      46, "bad component identifier or index")
FWUP_ERR(SUIT_SEVERED,        47, "severable element is severed (not in the envelope)")
FWUP_ERR(SUIT_SEQUENCE,       48, "malformed command sequence")
FWUP_ERR(SUIT_SHARED_RULE,    49, "command not allowed in the shared sequence")
FWUP_ERR(COSE_STRUCTURE,      50, "malformed COSE structure")
FWUP_ERR(COSE_HEADER,         51, "bad or missing COSE header")
FWUP_ERR(COSE_UNSUPPORTED_ALG, 52, "unsupported COSE algorithm")
FWUP_ERR(COSE_PAYLOAD,        53, "COSE payload must be detached (nil)")
FWUP_ERR(SUIT_DIGEST_ALG,     54, "unsupported SUIT digest algorithm")
FWUP_ERR(SUIT_TEXT,           55, "malformed text map")
FWUP_ERR(SUIT_DEPENDENCY,     56, "dependency error")

FWUP_ERR(NO_AUTH_BLOCK,       70, "no authentication block")
FWUP_ERR(SIG_VERIFY,          71, "signature or MAC does not verify with any trusted key")
FWUP_ERR(MANIFEST_DIGEST,     72, "manifest digest mismatch")
FWUP_ERR(SEVERABLE_DIGEST,    73, "severable element digest mismatch")
FWUP_ERR(NO_TRUSTED_KEY,      74, "no authentication block made by a trusted key")
FWUP_ERR(KNOWN_KEY_BAD_SIG,   75, "block names a trusted key but does not verify")
FWUP_ERR(UNKNOWN_KEY_STRICT,  76, "block by an unknown key (strict mode)")
FWUP_ERR(IMAGE_DIGEST,        77, "image digest mismatch")
FWUP_ERR(IMAGE_SIZE,          78, "image size mismatch")
FWUP_ERR(NOT_AUTHENTICATED,   79, "manifest used before authentication")

FWUP_ERR(POLICY_ROLE_MISSING, 90, "a required role has no valid authentication block")
FWUP_ERR(POLICY_TOO_FEW,      91, "fewer valid signers than the policy requires")
FWUP_ERR(ROLLBACK,            92, "sequence number not newer than the installed one")
FWUP_ERR(WRONG_VENDOR,        93, "vendor identifier does not match")
FWUP_ERR(WRONG_CLASS,         94, "class identifier does not match")
FWUP_ERR(WRONG_DEVICE,        95, "device identifier does not match")
FWUP_ERR(POLICY_COMPONENT,    96, "signer is not allowed to touch this component")
FWUP_ERR(POLICY_INVALID,      97, "malformed trust policy")
FWUP_ERR(EXPIRED,             98, "use-before time has passed")

FWUP_ERR(CRYPTO,             100, "crypto backend failure")
FWUP_ERR(KEY_FORMAT,         101, "malformed or unsupported key")
FWUP_ERR(KEY_ALG_MISMATCH,   102, "key type does not match the algorithm")
FWUP_ERR(KEY_PASSPHRASE,     103, "wrong or missing key passphrase")
FWUP_ERR(ALREADY_SIGNED,     104, "envelope already signed by this key")
FWUP_ERR(PKCS11_MODULE,      105, "PKCS#11 module not found or failed to load")
FWUP_ERR(PKCS11_TOKEN,       106, "PKCS#11 token not present")
FWUP_ERR(PKCS11_PIN,         107, "PKCS#11 PIN incorrect")
FWUP_ERR(PKCS11_PIN_LOCKED,  108, "PKCS#11 PIN locked")
FWUP_ERR(PKCS11_NO_KEY,      109, "no PKCS#11 key matches the URI")
FWUP_ERR(PKCS11_AMBIGUOUS,   110, "several PKCS#11 keys match the URI")
FWUP_ERR(PKCS11_NOT_ALLOWED, 111, "PKCS#11 key is not allowed to sign")
FWUP_ERR(PKCS11_MECHANISM,   112, "mechanism not supported by the token")
FWUP_ERR(PKCS11,             113, "PKCS#11 failure")
FWUP_ERR(EXTERNAL_SIGNER,    114, "external signer failed or returned malformed output")
FWUP_ERR(URI,                115, "malformed PKCS#11 URI")
FWUP_ERR(DECRYPT,            116, "decryption failed (wrong key or tampered data)")

FWUP_ERR(IO_OPEN,            120, "cannot open file")
FWUP_ERR(IO_READ,            121, "read error")
FWUP_ERR(IO_WRITE,           122, "write error")
FWUP_ERR(IO_EXISTS,          123, "file exists")
FWUP_ERR(IO_TOO_BIG,         124, "input file too large")

FWUP_ERR(LIMIT_DEPTH,        140, "nesting too deep")
FWUP_ERR(LIMIT_COMPONENTS,   141, "too many components")
FWUP_ERR(LIMIT_BUFFER,       142, "buffer too small")
FWUP_ERR(LIMIT_BLOCKS,       143, "too many authentication blocks")
FWUP_ERR(LIMIT_COUNT,        144, "too many items")

FWUP_ERR(DESC_SYNTAX,        150, "JSON syntax error")
FWUP_ERR(DESC_UNKNOWN_KEY,   151, "unknown key in description")
FWUP_ERR(DESC_TYPE,          152, "wrong type in description")
FWUP_ERR(DESC_MISSING,       153, "required key missing in description")
FWUP_ERR(DESC_VALUE,         154, "invalid value in description")
FWUP_ERR(DESC_CONFLICT,      155, "impossible combination in description")
FWUP_ERR(DESC_DUPLICATE_KEY, 156, "duplicate key in description")
FWUP_ERR(DESC_RULE,          157, "description breaks a SUIT manifest rule")
FWUP_ERR(DESC_FILE,          158, "file named in the description cannot be read")

FWUP_ERR(CONDITION_FAILED,   170, "condition failed")
FWUP_ERR(ABORTED,            171, "abort command reached")
FWUP_ERR(FETCH,              172, "payload not available")
FWUP_ERR(DIRECTIVE_FAILED,   173, "directive failed")
FWUP_ERR(FLASH,              174, "flash operation failed")
FWUP_ERR(POWER_CUT,          175, "simulated power cut")
FWUP_ERR(NO_BOOTABLE_IMAGE,  176, "no valid image to boot")

FWUP_ERR(INTERNAL,           250, "internal error")
FWUP_ERR(NO_MEMORY,          251, "out of memory")
/* clang-format on */
