#!/bin/sh
# LocalStack ready hook (docker-compose.yml): the Kinesis stream both roles publish to.
awslocal kinesis create-stream --stream-name "${KINESIS_STREAM:-airlock-recording}" --shard-count 1
