"""The FabLab's signing key: create or import it, sign certificate PDFs (PAdES, pyHanko), check them.

Pure: no Flask. The key and its certificate chain live as two PEM files in a folder of the instance
(``signing-key.pem``, ``signing-chain.pem``, both 0600, the folder 0700); :class:`SigningMaterial`
carries their bytes, so it can be handed to render worker processes, each of which builds its
:class:`PdfSigner` once.

Speed: pyHanko builds the CMS signed attributes afresh for every document, and its SimpleSigner
re-parses the private key for every signature; together about two thirds of a signature's time.
Everything in those attributes but the document digest is the same for every certificate, so
:class:`_ReusingSigner` builds them once and swaps the digest in; the private key is parsed once;
and the room for the signature is fixed instead of estimated with a dummy signature each time.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

KEY_FILE = "signing-key.pem"
CHAIN_FILE = "signing-chain.pem"
RETIRED = "retired"  # the chains of replaced keys: what they signed stays ours
FIELD_NAME = "FabLabSignature"
ALGORITHMS = ("ec", "rsa")


class SigningKeyError(ValueError):
    """The key or chain cannot be created, imported or used (the message says why)."""


@dataclass(frozen=True)
class SigningMaterial:
    """The private key (PKCS#8 PEM) and its certificate chain (PEM, signer's certificate first)."""

    key_pem: bytes
    chain_pem: bytes
    #: Certificates (PEM) of keys this one replaced.
    retired_pem: tuple[bytes, ...] = ()

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def private_key(self):
        return serialization.load_pem_private_key(self.key_pem, password=None)

    def fingerprint(self) -> str:
        """SHA-256 of the signer's certificate (DER), as hex pairs: what a reader shows."""
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


# --- files ---------------------------------------------------------------------------------------


def load(folder: Path | str) -> SigningMaterial | None:
    """The material in ``folder``, or None when there is no key there yet."""
    folder = Path(folder)
    key, chain = folder / KEY_FILE, folder / CHAIN_FILE
    if not key.is_file() or not chain.is_file():
        return None
    retired = tuple(p.read_bytes() for p in sorted((folder / RETIRED).glob("*.pem")))
    return SigningMaterial(key.read_bytes(), chain.read_bytes(), retired)


def _write_private(folder: Path, material: SigningMaterial, force: bool) -> SigningMaterial:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if not force and ((folder / KEY_FILE).exists() or (folder / CHAIN_FILE).exists()):
        raise SigningKeyError(f"{folder} already holds a signing key; give --force to replace it")
    _retire(folder)
    for name, blob in ((KEY_FILE, material.key_pem), (CHAIN_FILE, material.chain_pem)):
        path = folder / name
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return material


def _retire(folder: Path) -> None:
    """Keep the certificate of the key being replaced, so certificates it signed still check as ours."""
    old = load(folder)
    if old is None:
        return
    (folder / RETIRED).mkdir(mode=0o700, exist_ok=True)
    (folder / RETIRED / f"{old.certificate.fingerprint(hashes.SHA256()).hex()}.pem").write_bytes(old.certificate_pem)


def generate(folder: Path | str, common_name: str, organization: str = "", *, algorithm: str = "ec",
             days: int = 3650, force: bool = False) -> SigningMaterial:
    """A new key and a self-signed certificate for it (document signing), written to ``folder``."""
    if algorithm not in ALGORITHMS:
        raise SigningKeyError(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    key = ec.generate_private_key(ec.SECP256R1()) if algorithm == "ec" else rsa.generate_private_key(65537, 3072)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name.strip() or "FabLab")]
    if organization.strip():
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization.strip()))
    name = x509.Name(attributes)
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    material = SigningMaterial(_pkcs8(key), certificate.public_bytes(serialization.Encoding.PEM))
    return _write_private(Path(folder), material, force)


def import_key(folder: Path | str, key_pem: bytes, chain_pem: bytes, passphrase: bytes | None = None, *,
               force: bool = False) -> SigningMaterial:
    """Take over a key and chain the university already has (PEM; the chain starts with the key's certificate)."""
    try:
        key = serialization.load_pem_private_key(key_pem, password=passphrase or None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"the private key cannot be read: {exc}") from exc
    try:
        chain = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise SigningKeyError(f"the certificate chain cannot be read: {exc}") from exc
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise SigningKeyError("only RSA, EC and Ed25519 keys can sign certificates")
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if chain[0].public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise SigningKeyError("the first certificate of the chain is not the certificate of this key")
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    return _write_private(Path(folder), SigningMaterial(_pkcs8(key), pem), force)


def _pkcs8(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# --- signing -------------------------------------------------------------------------------------


class _ReusingSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner with the per-signer constants computed once (see the module docstring)."""

    def __init__(self, *args, pyca_key, **kwargs):
        super().__init__(*args, **kwargs)
        self._pyca_key = pyca_key
        self._attribute_templates: dict[tuple, bytes] = {}

    async def signed_attrs(self, data_digest: bytes, digest_algorithm: str, attr_settings=None,
                           **kwargs) -> cms.CMSAttributes:
        key = (digest_algorithm, len(data_digest), tuple(sorted(kwargs.items(), key=lambda kv: kv[0])).__repr__())
        template = self._attribute_templates.get(key)
        if template is None:
            # No signing time in the attributes: PAdES puts it in the signature dictionary (/M).
            attributes = await super().signed_attrs(bytes(len(data_digest)), digest_algorithm,
                                                    attr_settings=attr_settings, **kwargs)
            template = self._attribute_templates[key] = attributes.dump()
        attributes = cms.CMSAttributes.load(template)
        for attribute in attributes:
            if attribute["type"].native == "message_digest":
                attribute["values"] = [data_digest]
        return attributes

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        key, algorithm = self._pyca_key, getattr(hashes, digest_algorithm.upper())()
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(algorithm))
        if isinstance(key, rsa.RSAPrivateKey) and not self.prefer_pss:
            return key.sign(data, padding.PKCS1v15(), algorithm)
        return super().sign_raw(data, digest_algorithm)


class PdfSigner:
    """Signs PDFs with one key: build it once (per process) and call :meth:`sign` for each PDF."""

    def __init__(self, material: SigningMaterial):
        chain = list(load_certs_from_pemder_data(material.chain_pem))
        registry = SimpleCertificateStore()
        registry.register_multiple(chain[1:])
        self.material = material
        self._signer = _ReusingSigner(signing_cert=chain[0], signing_key=load_private_key_from_pemder_data(
            material.key_pem, None), cert_registry=registry, pyca_key=material.private_key())
        self._meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES)
        # The CMS holds the chain, the signature and ~1 KB of structure; hex doubles it in the file.
        self._reserved = (sum(len(c.dump()) for c in chain) + 4096 + 1) // 2 * 2  # pyHanko wants it even

    def sign(self, pdf: bytes) -> bytes:
        return outside_event_loop(self._sign, pdf)

    def _sign(self, pdf: bytes) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        return signers.sign_pdf(writer, self._meta, signer=self._signer, bytes_reserved=self._reserved).getvalue()


def outside_event_loop(function, *args):
    """``function(*args)``, on a short-lived thread when this one runs an asyncio loop.

    pyHanko's synchronous API starts an event loop of its own, which asyncio refuses inside a running
    one (a host application under an async server, or a test driving a browser)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


# --- checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF's signature says: ``status`` is "valid" (intact, made by our key), "altered"
    (the signed bytes changed), "foreign" (intact, but signed by another key), "unsigned" or
    "unreadable" (not a PDF we can parse)."""

    status: str
    signer: str = ""
    signed_at: dt.datetime | None = None


def check(pdf: bytes, material: SigningMaterial) -> SignatureCheck:
    """Validate the PDF's signatures with pyHanko, trusting only our published certificate."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
        return SignatureCheck("unreadable")  # an uploaded file is any bytes at all
    if not embedded:
        return SignatureCheck("unsigned")
    roots = list(load_certs_from_pemder_data(material.chain_pem))[-1:]
    for pem in material.retired_pem:
        roots.extend(load_certs_from_pemder_data(pem))
    ours = {material.certificate.public_bytes(serialization.Encoding.DER)} | {r.dump() for r in roots[1:]}
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    signature = embedded[-1]
    try:
        status = validate_pdf_signature(signature, context, skip_diff=True)
    except Exception:
        return SignatureCheck("altered")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not (status.intact and status.valid) or not whole:
        return SignatureCheck("altered", signer)
    if status.signing_cert.dump() not in ours:
        return SignatureCheck("foreign", signer, status.signer_reported_dt)
    return SignatureCheck("valid", signer, status.signer_reported_dt)


def sha256_hex(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()
