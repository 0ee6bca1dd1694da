#!/bin/sh
set -e
echo "copying assets"
mkdir -p dist
cp assets/logo.svg dist/
echo "assets copied"
