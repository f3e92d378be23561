"""Builds the exact-integer AMM core (envs/_ammcore.c) as a plain shared library loaded through ctypes."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "envs._ammcore",
            sources=["envs/_ammcore.c"],
            extra_compile_args=["-O3", "-std=c11"],
            py_limited_api=False,
        )
    ]
)
