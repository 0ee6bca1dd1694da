#!/bin/sh
echo "rendering templates"
envsubstt < nginx.conf.in > nginx.conf
