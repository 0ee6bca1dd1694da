#!/bin/bash
set -e
echo "building assets"
sasss styles/main.scss dist/main.css
echo "done"
