"""Builds the C cores as plain shared libraries loaded through ctypes: the exact-integer AMM core
(envs/_ammcore.c) and the portfolio replay kernel (envs/_portfolio.c)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "envs._ammcore",
            sources=["envs/_ammcore.c"],
            extra_compile_args=["-O3", "-std=c11", "-pthread"],
            extra_link_args=["-pthread"],
            py_limited_api=False,
        ),
        Extension(
            "envs._portfolio",
            sources=["envs/_portfolio.c"],
            extra_compile_args=["-O3", "-std=c11"],
            py_limited_api=False,
        ),
    ]
)
