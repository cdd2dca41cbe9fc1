"""Comments written by an OpenAI-compatible chat completions endpoint (`generate_by_chatgpt`).

Standard library HTTP (one small POST per comment); tests point `base_url` at a local stub.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from runner.errors import FailureClass, TaskFailed

DEFAULT_PROMPT = (
    "Write one short, friendly comment (under 20 words, no hashtags) for a TikTok video"
)


def generate_comment(settings: dict[str, Any], *, video_caption: str, timeout: float = 30.0) -> str:
    """POST {base_url}/chat/completions and return the first choice's text."""
    api_key = str(settings.get("api_key") or "")
    if not api_key:
        raise TaskFailed(
            FailureClass.CONFIG_ERROR, "generate_by_chatgpt needs chatgpt_settings.api_key"
        )
    base = str(settings.get("base_url") or "https://api.openai.com/v1").rstrip("/")
    prompt = str(settings.get("prompt") or DEFAULT_PROMPT)
    body = {
        "model": settings.get("model") or "gpt-4o-mini",
        "messages": [{"role": "user", "content": f"{prompt}\n\nVideo caption: {video_caption}"}],
        "max_tokens": int(settings.get("max_tokens") or 60),
        "temperature": float(settings.get("temperature", 0.7)),
    }
    request = urllib.request.Request(
        f"{base}/chat/completions",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.load(response)
        text = str(answer["choices"][0]["message"]["content"]).strip().strip('"')
    except urllib.error.HTTPError as exc:
        raise TaskFailed(
            FailureClass.CONFIG_ERROR,
            f"{base}/chat/completions answered HTTP {exc.code}",
            hint="check chatgpt_settings.api_key, model and base_url",
        ) from exc
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise TaskFailed(
            FailureClass.TIMEOUT,
            f"no usable answer from {base}/chat/completions ({exc})",
            hint="check chatgpt_settings.base_url and the network",
        ) from exc
    if not text:
        raise TaskFailed(
            FailureClass.VERIFICATION_FAILED, f"{base}/chat/completions returned an empty comment"
        )
    return text
