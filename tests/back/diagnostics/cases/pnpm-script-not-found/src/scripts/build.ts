console.log("bundling assets");
