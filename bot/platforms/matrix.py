"""The Matrix adapter from the settings; program rooms (for invitations and power levels)
come from the programs' Matrix bindings."""

from __future__ import annotations

from adapters.matrix.adapter import MatrixAdapter
from adapters.matrix.session import MatrixConfig
from bot.platforms import AdapterContext
from bot.settings import Settings
from core.adapter import AdapterConfigError
from core.programs.bindings import MatrixBinding
from core.programs.program import load_programs


def program_rooms(settings: Settings) -> frozenset[str]:
    rooms: set[str] = set()
    for program in load_programs(settings.programs):
        binding = program.binding("matrix")
        if isinstance(binding, MatrixBinding):
            rooms.update(r for r in (binding.room, binding.space) if r)
    return frozenset(rooms)


def matrix_config(settings: Settings) -> MatrixConfig:
    if not settings.matrix_homeserver or not settings.matrix_user_id:
        raise AdapterConfigError("the Matrix adapter needs MATRIX_HOMESERVER and MATRIX_USER_ID")
    password, token = settings.matrix_password, settings.matrix_access_token
    return MatrixConfig(
        homeserver=settings.matrix_homeserver,
        user_id=settings.matrix_user_id,
        password=password.get_secret_value() if password else None,
        access_token=token.get_secret_value() if token else None,
        store_path=settings.matrix_store_path,
        prefix=settings.matrix_prefix,
        allowed_servers=frozenset(settings.matrix_allowed_servers),
        program_rooms=program_rooms(settings),
        trust=settings.matrix_device_trust,
    )


def create(settings: Settings, context: AdapterContext) -> MatrixAdapter:
    return MatrixAdapter(matrix_config(settings))
