"""Static files storage for production (DEBUG off): WhiteNoise's compressed manifest storage,
without rewriting source-map comments. The vendored minified files (Bootstrap, ECharts) name
source maps that are not shipped (static/vendor/VENDOR.md keeps their hashes as published), and
Django's default patterns make `collectstatic` fail on a missing .map file."""

from whitenoise.storage import CompressedManifestStaticFilesStorage

_SOURCE_MAP = "sourceMappingURL"


class StaticStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (glob, tuple(p for p in rules if _SOURCE_MAP not in (p if isinstance(p, str) else p[0])))
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
    )
